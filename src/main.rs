mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{Cli, Command};
use obektiv::config::{Config, DEFAULT_TOML};
use obektiv::progress::Progress;
use obektiv::{Job, Summary};

/// Finished, but some input rows or files were not used.
const EXIT_INCOMPLETE: u8 = 3;

fn main() -> ExitCode {
    return_large_buffers();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli_error(&e),
    };
    let timings = cli.timings;
    if timings {
        obektiv::timings::enable();
    }
    let code = match obektiv::timings::stage("всего", || run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // The causes after the message, but not the system's own text of
            // an I/O error: the message already says it in Russian.
            let causes: String = (e.chain().skip(1))
                .filter(|c| c.downcast_ref::<std::io::Error>().is_none())
                .map(|c| format!(": {c}"))
                .collect();
            eprintln!("obektiv: ошибка: {e}{causes}");
            ExitCode::FAILURE
        }
    };
    if timings {
        eprint!("{}", obektiv::timings::table(&obektiv::timings::take()));
    }
    code
}

/// With glibc, a buffer of 4 MB or more is mapped on its own and given back
/// to the system when freed. By default glibc raises that threshold each time
/// such a buffer is freed (up to 32 MB), so that the stages' large temporary
/// buffers (the batches of rows, the signs' work arrays, the tables built for
/// the workbooks) end up in its per-thread heaps and stay there after they
/// are freed: a 4 000-school region peaked at 1.50–1.55 GB resident with
/// 0.65 GB of live heap (heaptrack). A fixed threshold: about 1.0 GB. At
/// 128 kB (the default start) the many buffers of a few hundred kB (a block
/// of findings.csv, a chunk of texts read back) were mapped and unmapped one
/// by one, page faults and TLB flushes costing a fifth of findings.csv's time;
/// 4 MB keeps those in the heap with the same peak (measured in the notes of
/// these changes).
fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; it is called
    // first thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    }
}

/// clap's own errors, in Russian (help and version are printed as they are).
fn cli_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
        return ExitCode::from(2);
    }
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            format!("нет такой команды: {}", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::UnknownArgument => {
            format!("неизвестный параметр: {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::MissingRequiredArgument => {
            format!("не указано обязательное: {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::MissingSubcommand => "не указана команда".to_owned(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "неверное значение «{}» для {}",
            ctx(ContextKind::InvalidValue),
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::ArgumentConflict => format!(
            "параметры нельзя указывать вместе: {}",
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::NoEquals => {
            format!("лишнее значение: {}", ctx(ContextKind::InvalidValue))
        }
        _ => "параметры командной строки не разобраны".to_owned(),
    };
    let hint = match ctx(ContextKind::SuggestedSubcommand) {
        s if !s.is_empty() => format!(" (возможно, вы имели в виду «{s}»)"),
        _ => String::new(),
    };
    eprintln!("obektiv: ошибка: {what}{hint}. Справка: obektiv --help");
    ExitCode::from(2)
}

fn run(cli: Cli) -> Result<ExitCode> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("не удалось настроить потоки вычислений (--threads)")?;
    }
    let progress = Progress::new(!cli.quiet && std::io::stderr().is_terminal());
    match cli.command {
        Command::Analyze {
            data,
            out,
            config,
            municipality,
        } => {
            let mut config = match config {
                Some(p) => Config::from_file(&p)?,
                None => Config::default(),
            };
            if municipality.is_some() {
                config.output.municipality = municipality;
            }
            let job = Job {
                data,
                out,
                config,
                progress,
            };
            let summary = obektiv::analyze(&job)?;
            print_summary(&summary);
            eprintln!(
                "записано в {}: {}",
                job.out.display(),
                summary.written.join(", ")
            );
            Ok(exit_code(&summary))
        }
        Command::Sample {
            data,
            out,
            config,
            seed,
            year,
        } => {
            let mut config = match config {
                Some(p) => Config::from_file(&p)?,
                None => Config::default(),
            };
            if let Some(s) = seed {
                config.sample.seed = s;
            }
            if year.is_some() {
                config.sample.year = year;
            }
            let job = Job {
                data,
                out,
                config,
                progress,
            };
            let summary = obektiv::sample_only(&job)?;
            print_summary(&summary);
            eprintln!(
                "записано в {}: {}",
                job.out.display(),
                summary.written.join(", ")
            );
            Ok(exit_code(&summary))
        }
        Command::Validate { data, out } => {
            let (loaded, mut summary) = obektiv::validate(&data, progress)?;
            for f in &loaded.report.files {
                let status = if !f.error.is_empty() {
                    format!("  НЕ ПРОЧИТАН: {}", f.error)
                } else if !f.skipped.is_empty() {
                    format!("  не читается: {}", f.skipped)
                } else {
                    String::new()
                };
                eprintln!(
                    "{:<28} {:<14} {:<12} прочитано {:>9}  использовано {:>9}  отклонено {:>7}{status}",
                    f.file,
                    obektiv::load::report::role_name(&f.kind),
                    f.encoding,
                    f.rows_read,
                    f.rows_used,
                    f.rows_rejected
                );
            }
            for r in loaded.report.rejected.iter().take(20) {
                let column = if r.column.is_empty() {
                    String::new()
                } else {
                    format!(", столбец {}", r.column)
                };
                eprintln!("  {}, строка {}{column}: {}", r.file, r.line, r.reason);
            }
            if loaded.report.rejected.len() > 20 {
                eprintln!(
                    "  … и ещё отклонённых строк: {} (все — в rejected_rows.csv)",
                    loaded.report.rejected.len() - 20
                );
            }
            if let Some(out) = out {
                let job = Job {
                    data,
                    out,
                    config: Config::default(),
                    progress,
                };
                obektiv::write_quality(&job, &loaded.report, &mut summary)?;
            }
            print_summary(&summary);
            Ok(exit_code(&summary))
        }
        Command::Reference { data, out } => {
            let (loaded, summary) = obektiv::validate(&data, progress)?;
            let bytes = obektiv::output::reference::bytes(&loaded.dataset)?;
            std::fs::write(&out, bytes).map_err(|source| obektiv::error::OutputError::Io {
                path: out.clone(),
                source,
            })?;
            eprintln!(
                "записано: {} (тестов: {})",
                out.display(),
                loaded.dataset.tests.len()
            );
            Ok(exit_code(&summary))
        }
        Command::Simulate(args) => simulate(args, progress),
        Command::Evaluate {
            seeds,
            schools,
            years,
            min_n,
            standard_only,
            municipal,
            persistent_codes,
            shape,
            config,
            out,
        } => {
            let config = match config {
                Some(p) => Config::from_file(&p)?,
                None => Config::default(),
            };
            let opts = obektiv::evaluate::EvalOptions {
                seeds: (1..=seeds).collect(),
                schools,
                years,
                min_n,
                shape: match shape {
                    cli::ShapeArg::Full => obektiv::evaluate::Shape::Full,
                    cli::ShapeArg::Totals => obektiv::evaluate::Shape::Totals,
                    cli::ShapeArg::Noclass => obektiv::evaluate::Shape::NoClass,
                    cli::ShapeArg::Nojournal => obektiv::evaluate::Shape::NoJournal,
                },
                misspecified: if standard_only {
                    vec![false]
                } else {
                    vec![false, true]
                },
                config,
                work: out.join(".evaluate-work"),
                municipal,
                persistent_codes,
            };
            let ev = obektiv::evaluate::evaluate(&opts, progress)?;
            std::fs::remove_dir_all(&opts.work).ok();
            println!(
                "{:<36} {:<9} {:>7} {:>7} {:>7}  fired by sign",
                "cells", "intensity", "n", "flagged", "rate"
            );
            for r in &ev.rows {
                let rate = r.rate.map_or("—".to_owned(), |x| format!("{:.3}", x));
                println!(
                    "{:<36} {:<9} {:>7} {:>7} {:>7}  {}",
                    r.group, r.intensity, r.cells, r.flagged, rate, r.by_sign
                );
            }
            for (i, a) in &ev.auc {
                println!("AUC of risk, {i}: {a:.4}");
            }
            println!(
                "\nhonest cells: share of p-values at most 0.05 / 0.01 / 0.001, and fired\n{:<6} {:>8} {:>8} {:>8} {:>8} {:>6}",
                "sign", "cells", "0.05", "0.01", "0.001", "fired"
            );
            let f = |x: Option<f64>| x.map_or("—".to_owned(), |x| format!("{x:.4}"));
            for c in &ev.calibration {
                println!(
                    "{:<6} {:>8} {:>8} {:>8} {:>8} {:>6}",
                    c.sign,
                    c.cells,
                    f(c.share_p_005),
                    f(c.share_p_001),
                    f(c.share_p_0001),
                    c.fired
                );
            }
            let plain = obektiv::config::CsvDialect::Plain;
            let bytes = obektiv::output::csv_bytes(&ev.rows, plain, "evaluation.csv")?;
            obektiv::output::write_file(&out, "evaluation.csv", &bytes)?;
            let bytes = obektiv::output::csv_bytes(&ev.calibration, plain, "calibration.csv")?;
            obektiv::output::write_file(&out, "calibration.csv", &bytes)?;
            let bytes = obektiv::output::csv_bytes(&ev.detail, plain, "evaluation_cells.csv")?;
            obektiv::output::write_file(&out, "evaluation_cells.csv", &bytes)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Signs => {
            for s in obektiv::signs::REGISTRY {
                let d = s.doc();
                println!(
                    "{} — {}\n  что сравнивается: {}\n  что считается необычным: {}\n  что нужно в данных: {}\n  входит в силу признаков: {}\n  формула: {}\n  источники: {}\n",
                    s.id(),
                    s.title(),
                    d.compared,
                    d.unusual,
                    d.needs,
                    obektiv::signs::enters(*s),
                    d.formula,
                    d.reference,
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { default } => {
            if !default {
                eprintln!("(файл настроек не указан: это значения по умолчанию)");
            }
            print!("{DEFAULT_TOML}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn simulate(args: cli::SimulateArgs, progress: Progress) -> Result<ExitCode> {
    use obektiv::simulate::{Dialect, Intensity, SimOptions};
    let opts = SimOptions {
        schools: args.schools,
        years: args.years,
        last_year: args.last_year,
        seed: args.seed,
        manipulated_share: args.manipulated_share,
        dialect: match args.dialect {
            cli::DialectArg::Plain => Dialect::Plain,
            cli::DialectArg::ExcelRu => Dialect::ExcelRu,
        },
        intensity: args.intensity.map(|i| match i {
            cli::IntensityArg::Mild => Intensity::Mild,
            cli::IntensityArg::Moderate => Intensity::Moderate,
            cli::IntensityArg::Strong => Intensity::Strong,
        }),
        misspecified: args.misspecified,
        persistent_codes: args.persistent_codes,
    };
    if let Some(works) = &args.recheck_of {
        let n = obektiv::simulate::simulate_recheck(&opts, works, &args.out)?;
        eprintln!(
            "{}: перепроверенных работ: {n} (честная перепроверка работ из {})",
            args.out.join("recheck.csv").display(),
            works.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let bar = progress.bar(args.schools as u64, "моделирование школ");
    let summary = obektiv::simulate::simulate(&opts, &args.out, &mut |done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    eprintln!(
        "{}: ОО: {}, работ: {}, ячеек: {} (из них с заложенными искажениями: {}, см. truth.csv)",
        args.out.display(),
        summary.schools,
        summary.works,
        summary.cells,
        summary.manipulated_cells
    );
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &Summary) {
    eprintln!(
        "строк результатов прочитано: {}, использовано: {}, отклонено: {} (в остальных файлах \
         строк: {}); тестов: {}, ячеек: {}, работ: {}",
        s.results_rows.0,
        s.results_rows.1,
        s.results_rows.2,
        s.rows_read - s.results_rows.0,
        s.tests,
        s.cells,
        s.works
    );
    let whose = match &s.municipality {
        Some(m) => format!(" муниципалитета «{m}»"),
        None => String::new(),
    };
    if s.marked_cells > 0 || s.listed > 0 {
        let region = if s.municipality.is_some() {
            " по всему региону"
        } else {
            ""
        };
        eprintln!(
            "ячеек с признаками{region}: {}; ОО{whose} в перечне (каждый год считается \
             отдельно): {}",
            s.marked_cells, s.listed
        );
    }
    if s.sampled_schools > 0 {
        eprintln!(
            "выборка для перепроверки{whose}: ОО: {}, работ: {}",
            s.sampled_schools, s.sampled_works
        );
    }
    if s.rechecked > 0 || s.recheck_unmatched > 0 {
        eprintln!(
            "перепроверка: работ с парой в результатах: {}, без пары: {} (см. recheck_unmatched.csv)",
            s.rechecked, s.recheck_unmatched
        );
    }
    for m in &s.skipped {
        eprintln!("не записано: {m}");
    }
    for m in &s.failed {
        eprintln!("не удалось записать {m}");
    }
    if s.files_failed > 0 {
        eprintln!(
            "не удалось прочитать файлов: {} (причины — в files.csv)",
            s.files_failed
        );
    }
    if s.rows_rejected > 0 {
        eprintln!(
            "не использовано строк: {} (номер строки и причина — в rejected_rows.csv)",
            s.rows_rejected
        );
    }
}

fn exit_code(s: &Summary) -> ExitCode {
    if !s.failed.is_empty() {
        ExitCode::FAILURE
    } else if s.incomplete() {
        ExitCode::from(EXIT_INCOMPLETE)
    } else {
        ExitCode::SUCCESS
    }
}
