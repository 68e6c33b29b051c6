//! The integration suite: one test binary, modules by theme.

#[path = "suite/cli.rs"]
mod cli;
#[path = "suite/cohorts.rs"]
mod cohorts;
#[path = "suite/common.rs"]
mod common;
#[path = "suite/excel.rs"]
mod excel;
#[path = "suite/fuzz.rs"]
mod fuzz;
#[path = "suite/hostile.rs"]
mod hostile;
#[path = "suite/loading.rs"]
mod loading;
#[path = "suite/medals.rs"]
mod medals;
#[path = "suite/recheck.rs"]
mod recheck;
#[path = "suite/reference.rs"]
mod reference;
#[path = "suite/report.rs"]
mod report;
#[path = "suite/sample.rs"]
mod sample;
#[path = "suite/shapes.rs"]
mod shapes;
#[path = "suite/signs.rs"]
mod signs;
