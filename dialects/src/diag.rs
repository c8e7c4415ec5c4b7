//! Diagnostics for user input: a message tied to a place in a source file, rendered as
//! `path:line:col: error: message` followed by the source line, a caret under the span and a
//! `help:` line with the fix. Also the "did you mean" helper. This module formats; it never
//! decides what is an error.

use std::fmt;

/// A source file kept for rendering diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    /// A file with its path (as the user wrote it) and contents.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile { path: path.into(), text: text.into() }
    }

    /// 1-based line and column (in characters) of byte offset `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The text of 1-based line `line`.
    pub fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One error about user input, optionally located in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    /// `path`, 1-based line and column, and the span length in characters.
    pub location: Option<Location>,
    /// The source line, for the snippet.
    pub snippet: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

/// A place in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub len: usize,
}

impl Diagnostic {
    /// A diagnostic with no location.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), location: None, snippet: None, help: None }
    }

    /// A diagnostic at byte range `span` of `file`.
    pub fn at(file: &SourceFile, span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        let (line, col) = file.line_col(span.start);
        let (end_line, end_col) = file.line_col(span.end);
        let len = if end_line == line { end_col.saturating_sub(col).max(1) } else { 1 };
        Diagnostic {
            message: message.into(),
            location: Some(Location { path: file.path.clone(), line, col, len }),
            snippet: Some(file.line_text(line).to_string()),
            help: None,
        }
    }

    /// A diagnostic about a whole file.
    pub fn in_file(path: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: Some(Location { path: path.to_string(), line: 0, col: 0, len: 0 }),
            snippet: None,
            help: None,
        }
    }

    /// Adds a `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) if l.line > 0 => write!(f, "{}:{}:{}: error: {}", l.path, l.line, l.col, self.message)?,
            Some(l) => write!(f, "{}: error: {}", l.path, self.message)?,
            None => write!(f, "error: {}", self.message)?,
        }
        if let (Some(l), Some(snippet)) = (&self.location, &self.snippet) {
            let gutter = l.line.to_string().len();
            write!(f, "\n{:gutter$} |\n{} | {}\n{:gutter$} | ", "", l.line, snippet, "")?;
            write!(f, "{}{}", " ".repeat(l.col.saturating_sub(1)), "^".repeat(l.len.max(1)))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Edit distance between two strings (Levenshtein, over chars).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Joins items as "a, b or c".
pub fn or_list<T: fmt::Display>(items: &[T]) -> String {
    let strs: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    match strs.len() {
        0 => String::new(),
        1 => strs[0].clone(),
        n => format!("{} or {}", strs[..n - 1].join(", "), strs[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_and_help() {
        let file = SourceFile::new("m.toml", "[model]\nheads = 28\n");
        let d = Diagnostic::at(&file, 16..18, "heads = 28 is not divisible by tp = 8").with_help("use tp = 4");
        assert_eq!(
            d.to_string(),
            "m.toml:2:9: error: heads = 28 is not divisible by tp = 8\n  |\n2 | heads = 28\n  |         ^^\n  help: use tp = 4"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("hiden", ["hidden", "heads"]), Some("hidden"));
        assert_eq!(did_you_mean("zzz", ["hidden", "heads"]), None);
        assert_eq!(or_list(&[1, 2, 4]), "1, 2 or 4");
    }
}
