//! Helpers the binary's integration tests share. Each test file uses some.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use tempfile::TempDir;

/// The binary, run in `cwd`: nothing may land in the repository, whatever a
/// command's defaults.
pub fn promosim(cwd: &Path) -> Command {
    let mut cmd = cargo_bin_cmd!("promosim");
    cmd.current_dir(cwd);
    cmd
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scenario(name: &str) -> PathBuf {
    repo().join("scenarios").join(name)
}

pub fn tailspin() -> PathBuf {
    scenario("tailspin.yaml")
}

pub fn tmp() -> TempDir {
    tempfile::tempdir().expect("temporary directory")
}

pub fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Text between `<text ...>` and `</text>`, with the XML escapes undone.
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|chunk| {
            let body = &chunk[chunk.find('>')? + 1..];
            let body = &body[..body.find("</text>")?];
            Some(
                body.trim()
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'"),
            )
        })
        .collect()
}
