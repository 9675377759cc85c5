//! `--into SCENARIO`: a production strategy written into an existing
//! scenario's text, replacing the stage's `strategy:` and keeping every other
//! line (and comment) as it was.

use std::path::Path;

use super::rollout::Fragment;
use super::sidecar::assumed_reaction;
use super::writer::Block;
use crate::error::InputError;
use crate::scenario::ScenarioFile;

/// The scenario's text with `frag` as the strategy of its production stage
/// (`stage`, or the only production stage).
pub fn into(scenario: &Path, frag: &Fragment, stage: Option<&str>) -> Result<String, InputError> {
    let shown = scenario.display().to_string();
    let s = crate::scenario::load(scenario)?;
    let m = crate::model::compile(&s)?;
    let production: Vec<&str> = m
        .stages
        .iter()
        .filter(|st| st.production)
        .map(|st| st.name.as_str())
        .collect();
    let target = match stage {
        Some(name) if production.contains(&name) => name.to_string(),
        Some(name) => {
            return Err(InputError::new(
                &shown,
                format!(
                    "--stage {name:?} is not a production stage of the scenario (production: {})",
                    production.join(", ")
                ),
            ));
        }
        None if production.len() == 1 => production[0].to_string(),
        None => {
            return Err(InputError::new(
                &shown,
                format!(
                    "the scenario has {} production stages ({}): choose one with --stage",
                    production.len(),
                    production.join(", ")
                ),
            ));
        }
    };
    let file: ScenarioFile =
        serde_saphyr::from_str(&s.source).map_err(|e| InputError::new(&shown, e.to_string()))?;
    let spec = file
        .stages
        .value
        .iter()
        .find(|st| st.name.value == target)
        .expect("a compiled stage is in the file");
    let name_line = usize::try_from(spec.name.referenced.line()).unwrap_or(0);
    let mut lines: Vec<String> = s.source.lines().map(str::to_string).collect();
    let (start, end, indent) = stage_block(&lines, name_line).ok_or_else(|| {
        InputError::at(&shown, name_line as u64, 1, format!("stage {target:?} is written in flow style ({{…}}); write it as a block mapping to merge a strategy into it"))
    })?;
    remove_key(&mut lines, start, end, indent, "strategy");
    let end = block_end(&lines, start, indent);
    let mut b = Block::default();
    b.comment(
        0,
        &format!(
            "strategy imported from {} by `promosim import`",
            frag.source
        ),
    );
    b.open(0, "strategy");
    b.nest(1, &frag.strategy);
    let text: Vec<String> = b.render(indent).lines().map(str::to_string).collect();
    lines.splice(end..end, text);
    let names: Vec<&str> = m.people.iter().map(|p| p.name.as_str()).collect();
    for p in &frag.people {
        if !names.contains(&p.as_str()) {
            add_person(&mut lines, p);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start().len()
}

fn is_content(l: &str) -> bool {
    let t = l.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// The lines `[start, end)` of the stage item whose `name:` is on 1-based
/// `name_line`, and the indentation of its keys; `None` for a flow mapping.
fn stage_block(lines: &[String], name_line: usize) -> Option<(usize, usize, usize)> {
    let i = name_line.checked_sub(1)?;
    let line = lines.get(i)?;
    let col = line.find("name:")?;
    if line[..col].contains('{') {
        return None;
    }
    let indent = col;
    // The item starts at the `- ` line at indent - 2 (the name line itself, or above).
    let mut start = i;
    while !(line_is_item(&lines[start], indent)) {
        start = start.checked_sub(1)?;
    }
    Some((start, block_end(lines, start, indent), indent))
}

fn line_is_item(l: &str, indent: usize) -> bool {
    indent >= 2 && indent_of(l) == indent - 2 && l.trim_start().starts_with("- ")
}

/// The end of a block whose keys are at `indent`: the first content line
/// after `start` indented less, with trailing blank and comment lines left out.
fn block_end(lines: &[String], start: usize, indent: usize) -> usize {
    let mut end = start + 1;
    let mut last = start + 1;
    while end < lines.len() {
        let l = &lines[end];
        if is_content(l) {
            if indent_of(l) < indent {
                break;
            }
            last = end + 1;
        }
        end += 1;
    }
    last
}

/// Removes `key:` (and what is nested under it) from a block's keys.
fn remove_key(lines: &mut Vec<String>, start: usize, end: usize, indent: usize, key: &str) {
    let Some(k) = (start..end).find(|&i| {
        let l = &lines[i];
        indent_of(l) == indent && l.trim_start().starts_with(&format!("{key}:"))
    }) else {
        return;
    };
    let mut j = k + 1;
    while j < end && (!is_content(&lines[j]) || indent_of(&lines[j]) > indent) {
        j += 1;
    }
    lines.drain(k..j);
}

/// Adds a person (with an assumed reaction) to the `people:` section, or creates it.
fn add_person(lines: &mut Vec<String>, name: &str) {
    let mut b = Block::default();
    b.open(0, name);
    b.kv(1, "reaction", &assumed_reaction());
    match lines.iter().position(|l| l.trim_end() == "people:") {
        Some(p) => {
            let child = lines[p + 1..]
                .iter()
                .find(|l| is_content(l))
                .map(|l| indent_of(l))
                .filter(|&i| i > 0)
                .unwrap_or(2);
            let text: Vec<String> = b.render(child).lines().map(str::to_string).collect();
            lines.splice(p + 1..p + 1, text);
        }
        None => {
            let at = lines
                .iter()
                .position(|l| l.starts_with("commits:"))
                .unwrap_or(lines.len());
            let mut text = vec!["people:".to_string()];
            text.extend(b.render(2).lines().map(str::to_string));
            text.push(String::new());
            lines.splice(at..at, text);
        }
    }
}

/// The top-level sections of YAML text in order: key (`None` for the
/// header), and the lines, each with the column-0 comments above it.
fn sections(text: &str) -> Vec<(Option<String>, Vec<String>)> {
    let mut out: Vec<(Option<String>, Vec<String>)> = vec![(None, Vec::new())];
    let mut pending: Vec<String> = Vec::new();
    for l in text.lines() {
        let top = !l.starts_with([' ', '\t', '#', '-']) && !l.trim().is_empty();
        if top && let Some((key, _)) = l.split_once(':') {
            let mut lines = std::mem::take(&mut pending);
            lines.push(l.to_string());
            out.push((Some(key.trim().to_string()), lines));
        } else if l.starts_with('#') || l.trim().is_empty() {
            pending.push(l.to_string());
        } else {
            let last = out.last_mut().expect("the header is always there");
            last.1.append(&mut pending);
            last.1.push(l.to_string());
        }
    }
    if let Some(last) = out.last_mut() {
        last.1.append(&mut pending);
    }
    out
}

/// Sections of a base scenario that the pipeline file cannot know and an
/// imported pipeline keeps from it (`--into`): when, what arrives, who works when.
const KEPT: &[&str] = &[
    "name",
    "description",
    "run",
    "calendars",
    "commits",
    "incidents",
    "check",
    "sweep",
];

/// An imported pipeline written into a base scenario: the base's run,
/// calendars, commits, incidents and checks, its people (with the imported
/// pipeline's people it lacks), and the pipeline's build and stages.
pub fn pipeline_into(
    base: &Path,
    imported: &str,
    warnings: &mut Vec<String>,
) -> Result<String, InputError> {
    let s = crate::scenario::load(base)?;
    let zone = s
        .file
        .run
        .time_zone
        .0
        .iana_name()
        .unwrap_or("UTC")
        .to_string();
    if zone != "UTC" && imported.contains("{schedule:") {
        warnings.push(format!(
            "warning: {}: the base scenario reads cron strings in {zone}, the pipeline's are in UTC: check the imported schedules' hours",
            base.display()
        ));
    }
    let source = s.source;
    let base_sections = sections(&source);
    let mut out: Vec<String> = Vec::new();
    for (key, lines) in sections(imported) {
        let from_base = key.as_deref().and_then(|k| {
            base_sections
                .iter()
                .find(|(bk, _)| bk.as_deref() == Some(k))
        });
        match key.as_deref() {
            Some(k) if KEPT.contains(&k) => {
                if let Some((_, b)) = from_base {
                    out.extend(b.iter().cloned());
                } else if k != "name" {
                    out.extend(lines);
                }
            }
            Some("people") => match from_base {
                Some((_, b)) => {
                    out.extend(b.iter().cloned());
                    let names: Vec<String> = b
                        .iter()
                        .filter(|l| indent_of(l) == 2 && is_content(l))
                        .map(|l| key_of(l))
                        .collect();
                    let mut keep = false;
                    for l in &lines[1..] {
                        if indent_of(l) == 2 && is_content(l) {
                            keep = !names.contains(&key_of(l));
                        }
                        if keep {
                            out.push(l.clone());
                        }
                    }
                }
                None => out.extend(lines),
            },
            _ => out.extend(lines),
        }
    }
    // Sections only the base has (calendars, incidents, …) come along too.
    for (key, lines) in &base_sections {
        if let Some(k) = key.as_deref()
            && (KEPT.contains(&k) || k == "people")
            && !out.iter().any(|l| l.starts_with(&format!("{k}:")))
        {
            out.extend(lines.iter().cloned());
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

/// The key of a `key: …` line.
fn key_of(l: &str) -> String {
    l.trim().split(':').next().unwrap_or("").trim().to_string()
}
