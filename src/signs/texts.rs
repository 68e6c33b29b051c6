//! The notes and reasons of the findings, kept apart from their numbers and
//! compressed, one block per sign and test.
//!
//! A finding's note and reason are Russian sentences of 100–300 bytes; a region
//! has about 13 findings per cell, so a national year (1.5 M cells) holds some
//! 20 M of them. As `String`s they were the largest thing a run kept in memory
//! (at 4 000 schools: 1.9 M findings, 486 MB of text, about 860 MB with the
//! allocations around it, more than the works themselves). The sentences of
//! one sign repeat their wording from cell to cell, so a block compresses
//! about twelvefold (zstd level 1; measured on the findings of a simulated
//! 4 000-school region). They are read back block by block where they are
//! written out (findings.csv, the reasons of the list).

use std::ops::Range;

use super::Finding;

/// Findings per compressed chunk: a few hundred kB of text, so that reading
/// back a few cells (the marked ones, a block of findings.csv) does not
/// decompress a whole test of a national year.
pub const CHUNK: usize = 1024;

/// The texts of one sign's findings on one test, compressed in chunks of
/// [`CHUNK`] findings: the notes and the reasons apart, so that a reader of
/// one (findings.csv writes reasons only where a sign fired) does not
/// decompress the other.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    notes: Vec<Chunk>,
    reasons: Vec<Chunk>,
    n: usize,
}

#[derive(Clone, Debug, Default)]
struct Chunk {
    blob: Vec<u8>,
    /// Length uncompressed (lengths header and text).
    raw_len: usize,
    n: usize,
}

/// Texts read back (the notes or the reasons): `get(j)` of the block's j-th
/// finding, for j in the range asked for.
#[derive(Clone, Debug, Default)]
pub struct Unpacked {
    /// The index of the first finding read back.
    first: usize,
    /// The texts one after another: UTF-8, packed from whole `String`s (zstd
    /// gives back exactly what it was given), each end on a character boundary.
    text: Vec<u8>,
    /// Byte end of each finding's text in `text`.
    ends: Vec<usize>,
}

/// zstd's fastest level: the texts are written once and read once or twice.
const LEVEL: i32 = 1;

impl Chunk {
    /// Compresses one text of each finding (`text` picks it; it is taken out).
    fn pack(findings: &mut [Finding], text: fn(&mut Finding) -> &mut String) -> Chunk {
        let n = findings.len();
        let text_len: usize = findings.iter_mut().map(|f| text(f).len()).sum();
        let mut raw = Vec::with_capacity(4 * n + text_len);
        for f in findings.iter_mut() {
            raw.extend_from_slice(&(text(f).len() as u32).to_le_bytes());
        }
        for f in findings.iter_mut() {
            raw.extend_from_slice(std::mem::take(text(f)).as_bytes());
        }
        // One compression context per thread, made once.
        thread_local! {
            static CONTEXT: std::cell::RefCell<zstd::bulk::Compressor<'static>> =
                std::cell::RefCell::new(
                    zstd::bulk::Compressor::new(LEVEL).expect("a zstd context at level 1"),
                );
        }
        let mut blob = CONTEXT
            .with_borrow_mut(|c| c.compress(&raw))
            .expect("zstd compresses a buffer held in memory");
        // The buffer is allocated for the worst case: keep only what is used.
        blob.shrink_to_fit();
        Chunk {
            blob,
            raw_len: raw.len(),
            n,
        }
    }

    /// Appends the chunk's texts to `out`.
    fn unpack_into(&self, out: &mut Unpacked) {
        thread_local! {
            static CONTEXT: std::cell::RefCell<zstd::bulk::Decompressor<'static>> =
                std::cell::RefCell::new(zstd::bulk::Decompressor::new().expect("a zstd context"));
        }
        let raw = CONTEXT
            .with_borrow_mut(|c| c.decompress(&self.blob, self.raw_len))
            .expect("a chunk compressed by Chunk::pack reads back");
        let header = 4 * self.n;
        let mut end = out.text.len();
        for len in raw[..header].chunks_exact(4) {
            end += u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            out.ends.push(end);
        }
        out.text.extend_from_slice(&raw[header..]);
    }
}

/// The chunks holding `range` read back.
fn unpack(chunks: &[Chunk], n: usize, range: Range<usize>) -> Unpacked {
    let range = range.start.min(n)..range.end.min(n);
    let first_chunk = range.start / CHUNK;
    let mut out = Unpacked {
        first: first_chunk * CHUNK,
        ..Unpacked::default()
    };
    if range.is_empty() {
        return out;
    }
    for chunk in &chunks[first_chunk..range.end.div_ceil(CHUNK)] {
        chunk.unpack_into(&mut out);
    }
    out
}

impl Texts {
    /// Takes the note and the reason out of each finding (leaving them empty)
    /// and compresses them.
    pub fn pack(findings: &mut [Finding]) -> Texts {
        let mut out = Texts {
            n: findings.len(),
            ..Texts::default()
        };
        for chunk in findings.chunks_mut(CHUNK) {
            out.notes.push(Chunk::pack(chunk, |f| &mut f.note));
        }
        for chunk in findings.chunks_mut(CHUNK) {
            out.reasons.push(Chunk::pack(chunk, |f| &mut f.reason));
        }
        out
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The notes of the findings in `range` (and of the rest of the chunks
    /// that hold them).
    pub fn notes(&self, range: Range<usize>) -> Unpacked {
        unpack(&self.notes, self.n, range)
    }

    /// The reasons of the findings in `range`, as [`Texts::notes`].
    pub fn reasons(&self, range: Range<usize>) -> Unpacked {
        unpack(&self.reasons, self.n, range)
    }
}

impl Unpacked {
    /// The text of the block's j-th finding (j in the range read back), as
    /// its UTF-8 bytes: what a CSV writer takes, with nothing to check.
    pub fn bytes(&self, j: usize) -> &[u8] {
        let k = j - self.first;
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.text[start..self.ends[k]]
    }

    /// The text of the block's j-th finding (j in the range read back).
    pub fn get(&self, j: usize) -> &str {
        std::str::from_utf8(self.bytes(j)).expect("packed from strings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_back_as_written_and_leave_the_findings_empty() {
        let mut fs = vec![
            Finding::skipped("работ: 3, меньше 5"),
            Finding::tested(
                2.5,
                0.006,
                0.2,
                "средний балл — 71 % при 58 % в группе".into(),
            ),
            Finding::default(),
            Finding {
                note: "трудные задания: z = 1,11".into(),
                ..Finding::tested(1.1, 0.13, 0.01, "«ё» и 😀".into())
            },
        ];
        let before = fs.clone();
        let t = Texts::pack(&mut fs);
        assert_eq!(t.len(), 4);
        assert!(fs.iter().all(|f| f.note.is_empty() && f.reason.is_empty()));
        assert_eq!(fs[1].p_value, Some(0.006));
        let (notes, reasons) = (t.notes(0..4), t.reasons(0..4));
        for (j, f) in before.iter().enumerate() {
            assert_eq!(
                (notes.get(j), reasons.get(j)),
                (f.note.as_str(), f.reason.as_str())
            );
        }
        assert!(Texts::pack(&mut []).notes(0..1).ends.is_empty());
    }

    #[test]
    fn a_range_reads_back_across_chunks() {
        let n = 2 * CHUNK + 5;
        let text = |i: usize| format!("ячейка {i}: «{}»", "ж".repeat(i % 7));
        let mut fs: Vec<Finding> = (0..n).map(|i| Finding::skipped(text(i))).collect();
        let t = Texts::pack(&mut fs);
        assert_eq!((t.notes.len(), t.reasons.len()), (3, 3));
        for r in [
            0..1,
            CHUNK - 1..CHUNK + 1,
            CHUNK..2 * CHUNK,
            2 * CHUNK + 4..n,
            3..n,
        ] {
            let (notes, reasons) = (t.notes(r.clone()), t.reasons(r.clone()));
            for j in r {
                assert_eq!(notes.get(j), text(j));
                assert_eq!(reasons.get(j), "");
            }
        }
        assert!(t.notes(n..n + 3).ends.is_empty());
    }

    #[test]
    fn repeated_wording_compresses() {
        let mut fs: Vec<Finding> = (0..2000)
            .map(|i| {
                Finding::tested(
                    1.0,
                    0.5,
                    0.0,
                    format!(
                        "средний первичный балл — {} % от максимума при 59 % в группе сравнения",
                        i % 97
                    ),
                )
            })
            .collect();
        let raw: usize = fs.iter().map(|f| f.reason.len() + 8).sum();
        let t = Texts::pack(&mut fs);
        let packed: usize = (t.notes.iter().chain(&t.reasons))
            .map(|c| c.blob.len())
            .sum();
        assert!(packed * 5 < raw, "{packed} of {raw}");
    }
}
