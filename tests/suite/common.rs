//! Small data folders written on the fly.

use std::path::{Path, PathBuf};

pub const SCHOOLS: &str = "school,name,municipality,kind,advanced_subjects,locality
edu000001,\"МБОУ \"\"СОШ № 1\"\"\",Северный район,СОШ,,urban
edu000002,\"МАОУ \"\"Лицей № 2\"\"\",Северный район,лицей,MA;PH,urban
edu000003,МКОУ Ивановская ООШ,Южный район,ООШ,,rural
";

pub const TASKS: &str = "exam,year,subject,grade,task,max,level,label
VPR,2025,MA,4,1,1,basic,1
VPR,2025,MA,4,2,2,basic,2
VPR,2025,MA,4,3,2,high,3
";

pub const SCALES: &str = "exam,year,subject,grade,mark,min_score
VPR,2025,MA,4,3,2
VPR,2025,MA,4,4,3
VPR,2025,MA,4,5,5
";

/// A clean results file: 4 works in school 1, 3 in school 2, 2 in school 3.
pub const RESULTS: &str =
    "year,exam,subject,grade,school,class,student,variant,t1,t2,t3,primary,mark,journal_mark
2025,VPR,MA,4,edu000001,4А,101,1,1,2,2,5,5,5
2025,VPR,MA,4,edu000001,4А,102,2,1,1,0,2,3,4
2025,VPR,MA,4,edu000001,4Б,103,1,0,1,X,1,2,3
2025,VPR,MA,4,edu000001,4Б,104,2,1,2,0,3,4,4
2025,VPR,MA,4,edu000002,4А,201,1,1,2,1,4,4,5
2025,VPR,MA,4,edu000002,4А,202,2,1,2,2,5,5,5
2025,VPR,MA,4,edu000002,4А,203,1,1,1,1,3,4,3
2025,VPR,MA,4,edu000003,4,301,1,0,0,0,0,2,3
2025,VPR,MA,4,edu000003,4,302,2,1,1,Х,2,3,3
";

/// Writes a data folder with the given results files (name, bytes).
pub fn folder(dir: &Path, results: &[(&str, &[u8])]) -> PathBuf {
    let d = dir.to_path_buf();
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("schools.csv"), SCHOOLS).unwrap();
    std::fs::write(d.join("tasks.csv"), TASKS).unwrap();
    std::fs::write(d.join("scales.csv"), SCALES).unwrap();
    for (name, bytes) in results {
        std::fs::write(d.join(name), bytes).unwrap();
    }
    d
}

/// The same text as Russian Excel saves it: Windows-1251, `;`, decimal comma, CRLF.
pub fn excel_ru(text: &str) -> Vec<u8> {
    let semi = text
        .replace(',', ";")
        .replace('.', ",")
        .replace('\n', "\r\n");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&semi);
    assert!(!unmappable);
    bytes.into_owned()
}

/// A simulated region of `schools` schools over `years` years (the
/// simulator's other defaults) written into `dir`.
pub fn simulated(dir: &Path, schools: usize, years: u16, seed: u64) {
    obektiv::simulate::simulate(
        &obektiv::simulate::SimOptions {
            schools,
            years,
            seed,
            ..Default::default()
        },
        dir,
        &mut |_, _| {},
    )
    .unwrap();
}

pub fn analyze(data: &Path, out: &Path) -> obektiv::Summary {
    let job = obektiv::Job {
        data: data.to_owned(),
        out: out.to_owned(),
        config: obektiv::config::Config::default(),
        progress: obektiv::progress::Progress::new(false),
    };
    obektiv::analyze(&job).unwrap()
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// cells.csv (or any output) as rows of (column -> value).
pub fn table(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Keeps the rows of `schools` in every CSV of `from` that has a school
/// column (the others copied whole): a municipality's own folder.
pub fn cut(
    from: &std::path::Path,
    to: &std::path::Path,
    schools: &std::collections::BTreeSet<String>,
) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let mut rd = csv::Reader::from_path(&path).unwrap();
        let headers = rd.headers().unwrap().clone();
        let mut wr = csv::Writer::from_path(to.join(&name)).unwrap();
        wr.write_record(&headers).unwrap();
        let col = headers.iter().position(|h| h == "school");
        for rec in rd.records() {
            let rec = rec.unwrap();
            if col.is_none_or(|c| schools.contains(&rec[c])) {
                wr.write_record(&rec).unwrap();
            }
        }
    }
}

/// Asserts that `text` (a file read whole: notes.csv, files.csv …) says each
/// of `said`, naming the first one it does not.
pub fn says(text: &str, said: &[&str]) {
    for s in said {
        assert!(text.contains(s), "{s}: {text}");
    }
}

/// Writes comma-separated `text` (no quoting) into `ws` from its first row,
/// every field as a string — a table as an office types it into Excel.
pub fn write_text(ws: &mut rust_xlsxwriter::Worksheet, text: &str) {
    for (r, line) in text.lines().enumerate() {
        for (c, v) in line.split(',').enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
}

/// The schools of `region`'s schools.csv by municipality.
pub fn municipalities(
    region: &Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut by: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for s in table(&region.join("schools.csv")) {
        (by.entry(s["municipality"].clone()).or_default()).insert(s["school"].clone());
    }
    by
}

/// The reference.csv that `obektiv reference` writes from the folder `data`.
pub fn reference_of(data: &Path) -> String {
    let (loaded, _) =
        obektiv::validate(data, obektiv::progress::Progress::new(false)).expect("loads");
    String::from_utf8(obektiv::output::reference::bytes(&loaded.dataset).unwrap()).unwrap()
}
