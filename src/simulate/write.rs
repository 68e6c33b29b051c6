//! CSV output in two dialects: plain (UTF-8, `,`, LF) and Excel-Russian
//! (Windows-1251, `;`, CRLF). All written values are integers or text, so
//! the decimal mark never appears.

use super::Dialect;
use super::blueprint::{Blueprint, Exam, Scale, Test};
use super::error::SimError;
use super::irt::NOT_DONE;
use super::manipulate::{CellPlan, Kind};
use super::region::Region;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

impl Dialect {
    /// Field delimiter.
    pub fn delimiter(self) -> u8 {
        match self {
            Dialect::Plain => b',',
            Dialect::ExcelRu => b';',
        }
    }

    /// Record terminator.
    pub fn terminator(self) -> &'static [u8] {
        match self {
            Dialect::Plain => b"\n",
            Dialect::ExcelRu => b"\r\n",
        }
    }
}

/// A CSV file being written row by row.
pub struct CsvOut {
    path: PathBuf,
    w: BufWriter<File>,
    dialect: Dialect,
    row: Vec<u8>,
    first: bool,
}

impl CsvOut {
    /// Creates (truncates) `path`.
    pub fn create(path: PathBuf, dialect: Dialect) -> Result<CsvOut, SimError> {
        let file = File::create(&path).map_err(|source| SimError::CreateFile {
            path: path.clone(),
            source,
        })?;
        Ok(CsvOut {
            path,
            w: BufWriter::with_capacity(1 << 20, file),
            dialect,
            row: Vec::with_capacity(512),
            first: true,
        })
    }

    fn sep(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.row.push(self.dialect.delimiter());
        }
    }

    /// Text in the file's encoding, without delimiter or quoting
    /// (for building pre-encoded row parts).
    pub fn encode(&self, s: &str) -> Result<Vec<u8>, SimError> {
        match self.dialect {
            Dialect::Plain => Ok(s.as_bytes().to_vec()),
            Dialect::ExcelRu => {
                let (bytes, _, bad) = encoding_rs::WINDOWS_1251.encode(s);
                if bad {
                    Err(SimError::Encoding {
                        path: self.path.clone(),
                        text: s.to_string(),
                    })
                } else {
                    Ok(bytes.into_owned())
                }
            }
        }
    }

    /// A text field, quoted when it holds a delimiter, quote or line break.
    pub fn text(&mut self, s: &str) -> Result<(), SimError> {
        let bytes = self.encode(s)?;
        self.sep();
        let d = self.dialect.delimiter();
        if bytes
            .iter()
            .any(|&b| b == d || b == b'"' || b == b'\n' || b == b'\r')
        {
            self.row.push(b'"');
            for &b in &bytes {
                if b == b'"' {
                    self.row.push(b'"');
                }
                self.row.push(b);
            }
            self.row.push(b'"');
        } else {
            self.row.extend_from_slice(&bytes);
        }
        Ok(())
    }

    /// A field that is already encoded and needs no quoting.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.sep();
        self.row.extend_from_slice(bytes);
    }

    /// An unsigned integer field.
    pub fn uint(&mut self, v: u64) {
        self.sep();
        push_uint(&mut self.row, v);
    }

    /// An empty field.
    pub fn empty(&mut self) {
        self.sep();
    }

    /// Ends the row and writes it.
    pub fn end(&mut self) -> Result<(), SimError> {
        self.row.extend_from_slice(self.dialect.terminator());
        self.first = true;
        let r = self.w.write_all(&self.row);
        self.row.clear();
        r.map_err(|source| SimError::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Writes a header row of ASCII names.
    pub fn header(&mut self, names: &[&str]) -> Result<(), SimError> {
        for n in names {
            self.raw(n.as_bytes());
        }
        self.end()
    }

    /// Flushes and closes the file.
    pub fn finish(mut self) -> Result<(), SimError> {
        self.w.flush().map_err(|source| SimError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// Appends the decimal digits of `v`.
pub fn push_uint(out: &mut Vec<u8>, mut v: u64) {
    if v < 10 {
        out.push(b'0' + v as u8);
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&buf[i..]);
}

/// `schools.csv`.
pub fn schools(dir: &Path, dialect: Dialect, region: &Region) -> Result<(), SimError> {
    let mut f = CsvOut::create(dir.join("schools.csv"), dialect)?;
    f.header(&[
        "school",
        "name",
        "municipality",
        "kind",
        "advanced_subjects",
        "locality",
    ])?;
    for s in &region.schools {
        f.text(&s.id)?;
        f.text(&s.name)?;
        f.text(&region.municipalities[s.municipality].name)?;
        f.text(s.kind.code())?;
        let adv: Vec<&str> = s.advanced.iter().map(|a| a.code()).collect();
        f.text(&adv.join(";"))?;
        f.text(if s.rural { "rural" } else { "urban" })?;
        f.end()?;
    }
    f.finish()
}

/// `tasks.csv`.
pub fn tasks(dir: &Path, dialect: Dialect, bp: &Blueprint, years: &[u16]) -> Result<(), SimError> {
    let mut f = CsvOut::create(dir.join("tasks.csv"), dialect)?;
    f.header(&[
        "exam", "year", "subject", "grade", "task", "max", "level", "label",
    ])?;
    for &year in years {
        for t in &bp.tests {
            for (i, task) in t.tasks.iter().enumerate() {
                f.raw(t.exam.code().as_bytes());
                f.uint(u64::from(year));
                f.raw(t.subject.code().as_bytes());
                f.uint(u64::from(t.grade));
                f.uint(i as u64 + 1);
                f.uint(u64::from(task.max));
                f.raw(task.level.code().as_bytes());
                f.text(&task.label)?;
                f.end()?;
            }
        }
    }
    f.finish()
}

/// `scales.csv`.
pub fn scales(dir: &Path, dialect: Dialect, bp: &Blueprint, years: &[u16]) -> Result<(), SimError> {
    let mut f = CsvOut::create(dir.join("scales.csv"), dialect)?;
    f.header(&["exam", "year", "subject", "grade", "mark", "min_score"])?;
    for &year in years {
        for t in &bp.tests {
            let row = |f: &mut CsvOut, mark: &str, min: u64| {
                f.raw(t.exam.code().as_bytes());
                f.uint(u64::from(year));
                f.raw(t.subject.code().as_bytes());
                f.uint(u64::from(t.grade));
                f.raw(mark.as_bytes());
                f.uint(min);
                f.end()
            };
            match &t.scale {
                Scale::Marks(c) => {
                    row(&mut f, "3", u64::from(c[0]))?;
                    row(&mut f, "4", u64::from(c[1]))?;
                    row(&mut f, "5", u64::from(c[2]))?;
                }
                Scale::Ege(s) => {
                    if let Some(p) = s.pass {
                        row(&mut f, "pass", u64::from(p))?;
                    }
                    row(&mut f, "university", u64::from(s.university))?;
                }
            }
        }
    }
    f.finish()
}

/// `truth.csv` writer. A school-year's rows wait until its medals are
/// awarded, so that the `weak_medals` row can say how many medals it gave.
pub struct Truth {
    out: CsvOut,
    pending: Vec<TruthRow>,
}

struct TruthRow {
    year: u16,
    exam: &'static str,
    subject: &'static str,
    grade: u8,
    school: String,
    plan: CellPlan,
    changed: u32,
}

impl Truth {
    /// Creates the file and writes the header.
    pub fn create(dir: &Path, dialect: Dialect) -> Result<Truth, SimError> {
        let mut out = CsvOut::create(dir.join("truth.csv"), dialect)?;
        out.header(&[
            "year",
            "exam",
            "subject",
            "grade",
            "school",
            "manipulation",
            "intensity",
            "changed",
        ])?;
        Ok(Truth {
            out,
            pending: Vec::new(),
        })
    }

    /// One cell of the school-year being written; `changed` the works its
    /// plan changed.
    pub fn cell(&mut self, year: u16, test: &Test, school: &str, plan: CellPlan, changed: u32) {
        self.pending.push(TruthRow {
            year,
            exam: test.exam.code(),
            subject: test.subject.code(),
            grade: test.grade,
            school: school.to_owned(),
            plan,
            changed,
        });
    }

    /// Writes the school-year's rows; `weak` the medals `weak_medals` gave
    /// (its row's `changed`).
    pub fn school_year_done(&mut self, weak: u32) -> Result<(), SimError> {
        for row in self.pending.drain(..) {
            let f = &mut self.out;
            f.uint(u64::from(row.year));
            f.raw(row.exam.as_bytes());
            f.raw(row.subject.as_bytes());
            f.uint(u64::from(row.grade));
            f.raw(row.school.as_bytes());
            f.raw(row.plan.kind.code().as_bytes());
            f.raw(row.plan.intensity.code().as_bytes());
            let changed = if row.plan.kind == Kind::WeakMedals {
                weak
            } else {
                row.changed
            };
            f.uint(u64::from(changed));
            f.end()?;
        }
        Ok(())
    }

    /// Flushes and closes.
    pub fn finish(self) -> Result<(), SimError> {
        self.out.finish()
    }
}

/// `medals.csv` writer: `year,school,student,medal`.
pub struct Medals {
    out: CsvOut,
}

impl Medals {
    /// Creates the file and writes the header.
    pub fn create(dir: &Path, dialect: Dialect) -> Result<Medals, SimError> {
        let mut out = CsvOut::create(dir.join("medals.csv"), dialect)?;
        out.header(&["year", "school", "student", "medal"])?;
        Ok(Medals { out })
    }

    /// One medal holder.
    pub fn row(
        &mut self,
        year: u16,
        school: &str,
        student: u32,
        medal: &str,
    ) -> Result<(), SimError> {
        let f = &mut self.out;
        f.uint(u64::from(year));
        f.raw(school.as_bytes());
        f.uint(u64::from(student));
        f.raw(medal.as_bytes());
        f.end()
    }

    /// Flushes and closes.
    pub fn finish(self) -> Result<(), SimError> {
        self.out.finish()
    }
}

/// `results_<year>_<exam>.csv` writer.
pub struct Results {
    out: CsvOut,
    /// Number of task columns.
    k: usize,
    /// Pre-encoded `year,exam,subject,grade,school` of the current cell.
    prefix: Vec<u8>,
}

impl Results {
    /// Creates the file for `year` and `exam` with `k` task columns.
    pub fn create(
        dir: &Path,
        dialect: Dialect,
        year: u16,
        exam: Exam,
        k: usize,
    ) -> Result<Results, SimError> {
        let name = format!("results_{year}_{}.csv", exam.file_code());
        Self::create_at(dir.join(name), dialect, k)
    }

    /// Creates a results-layout file at `path` with `k` task columns.
    pub fn create_at(path: PathBuf, dialect: Dialect, k: usize) -> Result<Results, SimError> {
        let mut out = CsvOut::create(path, dialect)?;
        let mut names: Vec<String> = [
            "year", "exam", "subject", "grade", "school", "class", "student", "variant",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.extend((1..=k).map(|i| format!("t{i}")));
        names.extend(
            ["primary", "mark", "test_score", "journal_mark"]
                .iter()
                .map(|s| s.to_string()),
        );
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        out.header(&refs)?;
        Ok(Results {
            out,
            k,
            prefix: Vec::with_capacity(64),
        })
    }

    /// Sets the cell whose works follow.
    pub fn start_cell(&mut self, year: u16, test: &Test, school: &str) {
        let d = self.out.dialect.delimiter();
        self.prefix.clear();
        push_uint(&mut self.prefix, u64::from(year));
        self.prefix.push(d);
        self.prefix.extend_from_slice(test.exam.code().as_bytes());
        self.prefix.push(d);
        self.prefix
            .extend_from_slice(test.subject.code().as_bytes());
        self.prefix.push(d);
        push_uint(&mut self.prefix, u64::from(test.grade));
        self.prefix.push(d);
        self.prefix.extend_from_slice(school.as_bytes());
    }

    /// Encodes a class label for this file.
    pub fn encode(&self, label: &str) -> Result<Vec<u8>, SimError> {
        self.out.encode(label)
    }

    /// One work of the current cell.
    #[allow(clippy::too_many_arguments)]
    pub fn work(
        &mut self,
        test: &Test,
        class: &[u8],
        student: u32,
        variant: u16,
        scores: &[u8],
        primary: u16,
        journal: u8,
    ) -> Result<(), SimError> {
        let d = self.out.dialect.delimiter();
        let f = &mut self.out;
        f.raw(&self.prefix);
        f.raw(class);
        f.uint(u64::from(student));
        f.uint(u64::from(variant));
        for i in 0..self.k {
            f.row.push(d);
            match scores.get(i) {
                Some(&NOT_DONE) => f.row.push(b'X'),
                Some(&s) => push_uint(&mut f.row, u64::from(s)),
                None => {}
            }
        }
        f.uint(u64::from(primary));
        match test.mark(primary) {
            Some(m) => f.uint(u64::from(m)),
            None => f.empty(),
        }
        match test.test_score(primary) {
            Some(s) => f.uint(u64::from(s)),
            None => f.empty(),
        }
        f.uint(u64::from(journal));
        f.end()
    }

    /// Flushes and closes.
    pub fn finish(self) -> Result<(), SimError> {
        self.out.finish()
    }
}
