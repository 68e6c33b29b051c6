//! Stage timings (`--timings`): wall time and the process's CPU time of each
//! stage of a run — loading, cells, each sign, the evidence, the lists, the
//! sample, each output, the report — printed as a table on stderr at the end.
//! CPU / wall tells how well a stage uses the cores (2.0 = both of two busy).
//!
//! Signs run in parallel over (sign, test) jobs, so a sign's line is the sum of
//! its jobs' times (CPU seconds spent on it), shown without a wall time.
//!
//! Memory: the resident set at the end of each stage and the process's peak so
//! far (`VmRSS`, `VmHWM` of `/proc/self/status`), so that the stage that raised
//! the peak is the first whose peak column grows.
//!
//! Off unless switched on ([`enable`]): then [`stage`] costs one relaxed atomic
//! load. CPU time and memory are read from `/proc/self` (Linux); elsewhere only
//! wall time is shown.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
static STAGES: Mutex<Vec<Stage>> = Mutex::new(Vec::new());

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Stage {
    pub name: String,
    /// None for a sum of parallel jobs.
    pub wall: Option<Duration>,
    pub cpu: Option<Duration>,
    /// Resident set and peak resident set at the stage's end, bytes.
    pub memory: Option<(u64, u64)>,
}

/// Switches recording on for the rest of the process.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The process's user + system CPU time so far.
fn cpu_now() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ")".
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // The kernel reports in USER_HZ, 100 on every Linux configuration in use.
    Some(Duration::from_millis(ticks * 10))
}

/// (VmRSS, VmHWM) of the process, bytes.
fn memory_now() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn record(s: Stage) {
    if let Ok(mut v) = STAGES.lock() {
        v.push(s);
    }
}

/// Runs `f` as the stage `name`, recording its wall and CPU time when on.
pub fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let (t0, c0) = (Instant::now(), cpu_now());
    let out = f();
    let cpu = cpu_now().zip(c0).map(|(b, a)| b.saturating_sub(a));
    record(Stage {
        name: name.to_owned(),
        wall: Some(t0.elapsed()),
        cpu,
        memory: memory_now(),
    });
    out
}

/// Adds `spent` to the summed line `name` (parallel jobs).
/// Runs `f` and adds the time it took to `name`'s sum (see [`add`]): for
/// parts that run beside others.
pub fn summed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let t0 = Instant::now();
    let out = f();
    add(name, t0.elapsed());
    out
}

pub fn add(name: &str, spent: Duration) {
    if !enabled() {
        return;
    }
    if let Ok(mut v) = STAGES.lock() {
        match v.iter_mut().find(|s| s.wall.is_none() && s.name == name) {
            Some(s) => s.cpu = Some(s.cpu.unwrap_or_default() + spent),
            None => v.push(Stage {
                name: name.to_owned(),
                wall: None,
                cpu: Some(spent),
                memory: None,
            }),
        }
    }
}

/// The recorded stages, in order, and clears them.
pub fn take() -> Vec<Stage> {
    STAGES
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default()
}

/// The table as text: stage, wall s, CPU s, CPU / wall, resident and peak MB.
pub fn table(stages: &[Stage]) -> String {
    let secs =
        |d: Option<Duration>| d.map_or("—".to_owned(), |d| format!("{:.2}", d.as_secs_f64()));
    let names: Vec<String> = (stages.iter())
        .map(|s| match s.wall {
            Some(_) => s.name.clone(),
            None => format!("  {} (сумма заданий)", s.name),
        })
        .collect();
    let width = (names.iter().map(|n| n.chars().count()))
        .chain([4])
        .max()
        .unwrap_or(4);
    let pad = |n: &str| format!("{n}{}", " ".repeat(width - n.chars().count()));
    let mut out = format!(
        "{}  {:>9}  {:>9}  {:>8}  {:>9}  {:>9}\n",
        pad("этап"),
        "время, с",
        "ЦП, с",
        "ЦП/время",
        "память, МБ",
        "пик, МБ"
    );
    let mb = |b: u64| format!("{:.0}", b as f64 / 1048576.0);
    for (s, name) in stages.iter().zip(&names) {
        let ratio = match (s.wall, s.cpu) {
            (Some(w), Some(c)) if w.as_secs_f64() > 0.0 => {
                format!("{:.2}", c.as_secs_f64() / w.as_secs_f64())
            }
            _ => String::new(),
        };
        let (rss, peak) = s
            .memory
            .map_or((String::new(), String::new()), |(r, p)| (mb(r), mb(p)));
        out.push_str(&format!(
            "{}  {:>9}  {:>9}  {ratio:>8}  {rss:>10}  {peak:>9}\n",
            pad(name),
            secs(s.wall),
            secs(s.cpu)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_records_nothing_and_the_table_reads() {
        // Off by default: nothing recorded.
        assert_eq!(stage("x", || 2 + 2), 4);
        add("y", Duration::from_millis(5));
        assert!(take().is_empty());
        let t = table(&[
            Stage {
                name: "загрузка".into(),
                wall: Some(Duration::from_millis(1500)),
                cpu: Some(Duration::from_millis(3000)),
                memory: Some((300 << 20, 512 << 20)),
            },
            Stage {
                name: "S1".into(),
                wall: None,
                cpu: Some(Duration::from_millis(250)),
                memory: None,
            },
        ]);
        assert!(
            t.contains("загрузка")
                && t.contains("1.50")
                && t.contains("3.00")
                && t.contains("2.00")
                && t.contains("300")
                && t.contains("512")
        );
        assert!(t.contains("S1 (сумма заданий)") && t.contains("0.25"));
    }
}
