package mech

// AdvanceAll calls Advance(s, dt) of every mechanism of ms, in order, as a
// solver's step does, but with a vector instruction set (isa.go) the
// Advance of NaTs2_t, Ih, Im and Kv3_1, the first of each kind in ms, is
// one call of the vector kernels after the others' (the same results:
// their Advance reads s.V and their own states only, which no Advance
// writes). It does not allocate.
func AdvanceAll(ms []Mechanism, s *State, dt float64) {
	if vecWidth() == 0 {
		for _, m := range ms {
			m.Advance(s, dt)
		}
		return
	}
	var b advanceBatch
	for _, m := range ms {
		if !b.add(m) {
			m.Advance(s, dt)
		}
	}
	b.run(s, dt)
}

// advanceBatch collects the mechanisms of AdvanceAll's vector call, their
// kernels' constants and where each kernel stopped.
type advanceBatch struct {
	na  *naTs2t
	ih  *ih
	im  *im
	kv  *kv31
	kna [6]float64
	kih [8]float64
	kim [2]float64
	kkv [5]float64
}

// add takes m into the batch if it is of a batched kind not yet there.
func (b *advanceBatch) add(m Mechanism) bool {
	switch c := m.(type) {
	case *naTs2t:
		if b.na == nil {
			b.na = c
			return true
		}
	case *ih:
		if b.ih == nil {
			b.ih = c
			return true
		}
	case *im:
		if b.im == nil {
			b.im = c
			return true
		}
	case *kv31:
		if b.kv == nil {
			b.kv = c
			return true
		}
	}
	return false
}

// run is the batch's Advance: one call of the kernels, then each
// mechanism's finish from where its kernel stopped.
func (b *advanceBatch) run(s *State, dt float64) {
	if b.na == nil && b.ih == nil && b.im == nil && b.kv == nil {
		return
	}
	if c := b.na; c != nil {
		c.checkVec([][]float64{s.V}, c.m, c.h)
		b.kna = c.vecConst(dt)
	}
	if c := b.ih; c != nil {
		c.checkVec([][]float64{s.V}, c.m)
		b.kih = c.vecConst(dt)
	}
	if c := b.im; c != nil {
		c.checkVec([][]float64{s.V}, c.m)
		b.kim = c.vecConst(dt)
	}
	if c := b.kv; c != nil {
		c.checkVec([][]float64{s.V}, c.m)
		b.kkv = c.vecConst(dt)
	}
	var stop [4]int
	advance4Vec(s.V, &stop, b)
	if c := b.na; c != nil {
		c.finish(s, dt, stop[0], &b.kna)
	}
	if c := b.ih; c != nil {
		c.finish(s, dt, stop[1], &b.kih)
	}
	if c := b.im; c != nil {
		c.finish(s, dt, stop[2], &b.kim)
	}
	if c := b.kv; c != nil {
		c.finish(s, dt, stop[3], &b.kkv)
	}
}
