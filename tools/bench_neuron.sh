#!/usr/bin/env bash
# bench_neuron.sh: time one full NOBLE trace (515 ms, dt 0.02 ms = 25,750 steps, IClamp 0.3 nA at
# soma(0.5) from 15 to 415 ms) in noble's simulator and, when NEURON is installed, in NEURON 8.2 on
# the same machine, one core each, and print both side by side as a Markdown table.
#
#   tools/bench_neuron.sh [N]     N runs of each (default 3); prints the mean per trace
#
# noble: `go test -bench 'SimulateHuman|SimulateMouse|SimulateVIP|SimulateITL23' ./sim` (human
# PVALB, VIP and ITL23 seed1_hof00, mouse hof_param_318331342_0), which reports wall time and the
# CPU time of its thread per trace.
# NEURON: tools/neuron_dump.py run (continuerun alone, wall and process CPU time), with the
# compiled mechanisms in $NOBLE_NRN_MECH (required: the directory holding nrnivmodl's x86_64/) and
# /usr/bin/python3. The human cells are not shipped: they are read from ../shared, laid out as
# docs/reference-data.md says, and skipped when absent. On a shared machine wall times vary with the
# load; CPU times are the fairer comparison.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-3}
mech=${NOBLE_NRN_MECH:?set NOBLE_NRN_MECH to the directory holding the compiled mechanisms (x86_64/; docs/reference-data.md)}
py=${NOBLE_NRN_PYTHON:-/usr/bin/python3}
human="$root/../shared/data/cells/human_pvalb_689331391"
mouse="$root/data/cells/mouse_pvalb_318331342"
vip="$root/../shared/data/cells/human_vip_650077366"
itl23="$root/../shared/data/cells/human_itl23_541557114"
cd "$root"

out=$(go test -run '^$' -bench 'SimulateHuman|SimulateMouse|SimulateVIP|SimulateITL23' -benchtime "${n}x" ./sim)
echo "$out" >&2
# metric VALUE from a benchmark line: field before the unit.
metric() { echo "$out" | awk -v b="$1" -v u="$2" '$1 ~ b { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }'; }

neuron() { # cell dir, param name -> "wall cpu" mean over n runs, or "- -"
	if [ ! -d "$1" ] || [ ! -x "$py" ] || [ ! -e "$mech/x86_64/.libs/libnrnmech.so" ] ||
		! "$py" -c 'import neuron' 2>/dev/null; then
		echo "- -"
		return
	fi
	local tw=0 tc=0 line
	for _ in $(seq "$n"); do
		line=$(cd /tmp && "$py" "$root/tools/neuron_dump.py" --mech "$mech" run "$1" "$2" --amp 0.3 2>/dev/null)
		echo "NEURON $2: $line" >&2
		tw=$(awk -v a="$tw" -v b="$(echo "$line" | cut -d' ' -f1)" 'BEGIN { print a + b }')
		tc=$(awk -v a="$tc" -v b="$(echo "$line" | cut -d' ' -f2)" 'BEGIN { print a + b }')
	done
	awk -v w="$tw" -v c="$tc" -v n="$n" 'BEGIN { printf "%.0f %.0f\n", 1000 * w / n, 1000 * c / n }'
}

row() { # label, bench name, cell dir, param
	local gw gc nw nc
	gw=$(metric "$2" ms/trace)
	gc=$(metric "$2" cpu-ms/trace)
	read -r nw nc <<<"$(neuron "$3" "$4")"
	if [ -z "$gw" ]; then
		return
	fi
	local sp="-"
	if [ "$nc" != "-" ]; then
		sp=$(awk -v a="$nc" -v b="$gc" 'BEGIN { printf "%.1f×", a / b }')
	fi
	printf '| %s | %.0f | %.0f | %s | %s | %s |\n' "$1" "$gw" "$gc" "$nw" "$nc" "$sp"
}

echo "| trace (0.3 nA, 515 ms) | noble wall ms | noble CPU ms | NEURON wall ms | NEURON CPU ms | speed-up (CPU) |"
echo "|---|---|---|---|---|---|"
row "human seed1_hof00 (127 compartments)" BenchmarkSimulateHuman "$human" seed1_hof00
row "mouse hof_param_318331342_0 (91 compartments)" BenchmarkSimulateMouse "$mouse" hof_param_318331342_0
row "human VIP seed1_hof00 (90 compartments)" BenchmarkSimulateVIP "$vip" seed1_hof00
row "human ITL23 seed1_hof00 (632 compartments)" BenchmarkSimulateITL23 "$itl23" seed1_hof00
