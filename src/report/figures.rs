//! Chart data from the analysis (filled in with the chart module).

use super::{Chart, Inputs};
use crate::risk::ListEntry;

pub fn overview(_inputs: &Inputs<'_>) -> Vec<(Chart, String)> {
    Vec::new()
}

pub fn school(_inputs: &Inputs<'_>, _entry: &ListEntry) -> Vec<(Chart, String)> {
    Vec::new()
}

pub fn recheck(_inputs: &Inputs<'_>) -> Vec<(Chart, String)> {
    Vec::new()
}

pub fn font_face() -> String {
    String::new()
}
