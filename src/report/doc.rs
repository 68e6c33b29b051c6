//! The справка as a sequence of blocks (headings, paragraphs, tables,
//! figures), written once by the sections and rendered twice: as HTML
//! (`html.rs`, report.html) and as an editable Word document (`docx.rs`,
//! spravka.docx). Both therefore hold the same text, tables and charts.

/// A paragraph's look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// A framed note (the disclaimer).
    Note,
    /// Small print (explanations under a table).
    Small,
}

/// One block of the document.
#[derive(Debug)]
pub enum Block {
    Title(String),
    /// A section: anchor, heading, whether it starts a new printed page.
    Section {
        id: String,
        text: String,
        new_page: bool,
    },
    Subsection {
        id: String,
        text: String,
        new_page: bool,
    },
    Paragraph {
        tone: Tone,
        text: String,
    },
    List(Vec<String>),
    /// Key figures: a two-column table without a header.
    Figures(Vec<(String, String)>),
    /// A table; `numeric[i]` right-aligns column i.
    Table {
        headers: Vec<String>,
        numeric: Vec<bool>,
        rows: Vec<Vec<String>>,
    },
    /// A table whose rows each carry a list printed under them across the
    /// full width (the reasons of a listed school).
    Listed {
        headers: Vec<String>,
        numeric: Vec<bool>,
        rows: Vec<(Vec<String>, Vec<String>)>,
    },
    /// Figure `index` of the document's figures.
    Figure(usize),
    /// The table of contents: the sections' headings, with links.
    Contents,
}

/// The document being written.
#[derive(Default, Debug)]
pub struct Page {
    pub blocks: Vec<Block>,
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl Page {
    pub fn h1(&mut self, text: &str) {
        self.blocks.push(Block::Title(text.to_owned()));
    }

    /// A section heading with an anchor; `new_page` starts it on a new sheet when printed.
    pub fn h2(&mut self, id: &str, text: &str, new_page: bool) {
        self.blocks.push(Block::Section {
            id: id.to_owned(),
            text: text.to_owned(),
            new_page,
        });
    }

    pub fn h3(&mut self, id: &str, text: &str) {
        self.h3_page(id, text, false);
    }

    /// A subsection that starts a new printed page when `new_page`.
    pub fn h3_page(&mut self, id: &str, text: &str, new_page: bool) {
        self.blocks.push(Block::Subsection {
            id: id.to_owned(),
            text: text.to_owned(),
            new_page,
        });
    }

    pub fn p(&mut self, text: &str) {
        self.p_tone(Tone::Plain, text);
    }

    pub fn p_tone(&mut self, tone: Tone, text: &str) {
        self.blocks.push(Block::Paragraph {
            tone,
            text: text.to_owned(),
        });
    }

    pub fn list(&mut self, items: &[String]) {
        self.blocks.push(Block::List(items.to_vec()));
    }

    pub fn figures(&mut self, rows: &[(String, String)]) {
        self.blocks.push(Block::Figures(rows.to_vec()));
    }

    pub fn table(&mut self, headers: &[&str], numeric: &[bool], rows: &[Vec<String>]) {
        self.blocks.push(Block::Table {
            headers: owned(headers),
            numeric: numeric.to_vec(),
            rows: rows.to_vec(),
        });
    }

    pub fn table_with_lists(
        &mut self,
        headers: &[&str],
        numeric: &[bool],
        rows: &[(Vec<String>, Vec<String>)],
    ) {
        self.blocks.push(Block::Listed {
            headers: owned(headers),
            numeric: numeric.to_vec(),
            rows: rows.to_vec(),
        });
    }

    /// Marks where figure `index` goes.
    pub fn figure_slot(&mut self, index: usize) {
        self.blocks.push(Block::Figure(index));
    }

    pub fn contents(&mut self) {
        self.blocks.push(Block::Contents);
    }

    /// The sections' anchors and headings, in order.
    pub fn sections(&self) -> Vec<(&str, &str)> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section { id, text, .. } => Some((id.as_str(), text.as_str())),
                _ => None,
            })
            .collect()
    }
}
