// Package safetensors implements a reader and a writer of the safetensors
// file format (https://github.com/huggingface/safetensors), the format noble
// stores FNO weights in so that PyTorch can read them and noble can read
// PyTorch's.
//
// # Format
//
// A file is an 8-byte little-endian unsigned header length N, N bytes of a
// UTF-8 JSON object, then the raw tensor data. Each key of the object other
// than "__metadata__" names a tensor and maps to
//
//	{"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
//
// where the offsets are byte offsets into the data section, and the optional
// "__metadata__" key maps to an object of string values. Tensors are stored in
// C order, little-endian. The header may be padded with spaces (writers pad
// it to a multiple of 8 bytes so the data is aligned).
//
// # Validation
//
// Read follows the checks of the reference Rust implementation
// (safetensors/src/tensor.rs, Metadata::validate) and adds some: the header
// length is bounded (MaxHeaderSize) before anything is allocated; tensor
// names must be unique and non-empty (the reference silently keeps the last
// duplicate, being a serde map); every dtype must be known; shape × dtype size
// must equal end − begin; the tensors, ordered by offset, must tile the data
// section from 0 without gaps or overlaps; and the data section must end
// exactly where the last tensor ends (no trailing bytes). Data memory grows
// with the bytes actually read, never with a size the header claims.
//
// F32 tensors decode directly; F64, F16 and BF16 are converted to float32
// (F64 rounds to nearest, F16 and BF16 are exact); C64 (complex64, as
// PyTorch writes complex parameters) becomes float32 with a trailing
// dimension 2 holding the real and imaginary parts, the layout noble's model
// files use. Other dtypes are refused with an error naming the tensor. Write
// always writes F32.
//
// # Why hand-written
//
// github.com/nlpodyssey/safetensors (the pinned pseudo-version
// v0.0.0-20250209183917-bfb01cc25f7c) was evaluated. It reads and writes, with
// metadata, but it needs the whole file in one []byte before it validates
// anything, its errors name neither the tensor nor the field at fault
// ("invalid header length", "metadata incomplete buffer"), it silently accepts
// duplicate names (map decoding), it gives byte views that every caller must
// convert to []float32 by hand, and it offers no F16/BF16 conversion. The
// format is small enough (this package is a few hundred lines) that owning it
// costs less than adapting around those gaps and carrying an unversioned
// dependency.
package safetensors
