//! Command-line options (clap). Only this module and main.rs know about them;
//! the library sees a validated [`obektiv::Job`] or options struct.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "obektiv",
    version,
    about = "Signs of non-objective school assessment results (VPR, OGE, EGE)",
    long_about = "obektiv reads a region's VPR, OGE and EGE results with the schools' own marks, \
groups them into cells (year × exam × subject × grade × school) and writes the tables \
of the analysis. A flagged cell is a sign (признак) that calls for a look, never a verdict.",
    after_help = "Examples:\n  \
obektiv analyze data/sample --out reports\n  \
obektiv validate my_region/\n  \
obektiv simulate --schools 300 --years 3 --seed 42 --out my_sim\n  \
obektiv config --default > obektiv.toml"
)]
pub struct Cli {
    /// Threads for the parallel stages (default: all cores). Outputs do not depend on it.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyze a data folder and write the report tables into --out.
    #[command(
        after_help = "Example:\n  obektiv analyze data/sample --out reports --config obektiv.toml\n\n\
Writes cells.csv, region.csv, rejected_rows.csv, files.csv and notes.csv.\n\
Exit code: 0 all input used, 3 finished but some rows or files were not used, 1 failed."
    )]
    Analyze {
        /// The data folder (schools.csv, results*.csv, ...; see data/README.md).
        data: PathBuf,
        /// Where to write the outputs.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// A TOML configuration (see `obektiv config --default`).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Choose schools and works for the cross-check (also done by analyze), and
    /// read the re-check results when the folder has recheck.csv.
    #[command(
        after_help = "Example:\n  obektiv sample data/sample --out reports --seed 20250415\n\n\
Writes recheck_sample.csv (schools by stratum: risk, high results without signs, random control)\n\
and recheck_works.csv (works to re-check, each with its reason). With recheck.csv in the folder\n\
also recheck_results.csv, recheck_schools.csv, recheck_strata.csv and recheck_unmatched.csv."
    )]
    Sample {
        data: PathBuf,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        /// Seed of the draw (overrides [sample] seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Year to draw from (default: the last year in the data).
        #[arg(long)]
        year: Option<u16>,
    },
    /// Check a data folder: what each file holds, which rows cannot be used and why.
    #[command(
        after_help = "Example:\n  obektiv validate my_region/ --out checks\n\n\
Exit code: 0 all input usable, 3 some rows or files cannot be used, 1 failed."
    )]
    Validate {
        data: PathBuf,
        /// Also write rejected_rows.csv, files.csv and notes.csv here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make a simulated region with planted manipulations (and truth.csv).
    #[command(
        after_help = "Example:\n  obektiv simulate --schools 300 --years 3 --seed 42 --out data/sample"
    )]
    Simulate(SimulateArgs),
    /// Measure detection quality on simulated regions (seeds × intensities) and write evaluation.csv.
    #[command(after_help = "Example:\n  obektiv evaluate --seeds 5 --schools 300 --out reports")]
    Evaluate {
        /// Number of seeds (regions) per intensity: seeds 1..=N.
        #[arg(long, default_value_t = 5)]
        seeds: u64,
        #[arg(long, default_value_t = 300)]
        schools: usize,
        #[arg(long, default_value_t = 2)]
        years: u16,
        /// Cells with fewer works are left out of the measures.
        #[arg(long, default_value_t = 20)]
        min_n: usize,
        /// Only the standard simulator (by default also regions whose honest
        /// schools break the signs' assumptions, as `simulate --misspecified`).
        #[arg(long)]
        standard_only: bool,
        /// Analyse the regions written as: full (every column), totals (no task
        /// columns), noclass (no class column), nojournal (no journal marks).
        #[arg(long, value_enum, default_value_t = ShapeArg::Full)]
        shape: ShapeArg,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// List the signs with their statistics, rules and references.
    Signs,
    /// Print the configuration.
    Config {
        /// Print the defaults with comments.
        #[arg(long)]
        default: bool,
    },
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Number of schools.
    #[arg(long, default_value_t = 300)]
    pub schools: usize,
    /// Number of consecutive years, ending with --last-year.
    #[arg(long, default_value_t = 3)]
    pub years: u16,
    #[arg(long, default_value_t = 2025)]
    pub last_year: u16,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of schools with planted manipulation.
    #[arg(long, default_value_t = 0.10)]
    pub manipulated_share: f64,
    /// File dialect: plain (UTF-8, `,`) or excel-ru (Windows-1251, `;`, decimal comma).
    #[arg(long, value_enum, default_value_t = DialectArg::Plain)]
    pub dialect: DialectArg,
    /// Give every planted manipulation this intensity (default: each school its own).
    #[arg(long, value_enum)]
    pub intensity: Option<IntensityArg>,
    /// Honest schools that break the signs' assumptions: heavy-tailed school
    /// effects, marking leniency that differs by subject, tasks taught better or
    /// worse, class effects.
    #[arg(long)]
    pub misspecified: bool,
    /// Instead of the region, write the honest re-check (recheck.csv) of the works
    /// listed in this recheck_works.csv; give the same options as for the region.
    #[arg(long)]
    pub recheck_of: Option<PathBuf>,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ShapeArg {
    Full,
    Totals,
    Noclass,
    Nojournal,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum IntensityArg {
    Mild,
    Moderate,
    Strong,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DialectArg {
    Plain,
    ExcelRu,
}
