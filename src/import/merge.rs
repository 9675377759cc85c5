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
    let production: Vec<&str> = m.stages.iter().filter(|st| st.production).map(|st| st.name.as_str()).collect();
    let target = match stage {
        Some(name) if production.contains(&name) => name.to_string(),
        Some(name) => {
            return Err(InputError::new(&shown, format!("--stage {name:?} is not a production stage of the scenario (production: {})", production.join(", "))));
        }
        None if production.len() == 1 => production[0].to_string(),
        None => {
            return Err(InputError::new(&shown, format!("the scenario has {} production stages ({}): choose one with --stage", production.len(), production.join(", "))));
        }
    };
    let file: ScenarioFile = serde_saphyr::from_str(&s.source).map_err(|e| InputError::new(&shown, e.to_string()))?;
    let spec = file.stages.value.iter().find(|st| st.name.value == target).expect("a compiled stage is in the file");
    let name_line = usize::try_from(spec.name.referenced.line()).unwrap_or(0);
    let mut lines: Vec<String> = s.source.lines().map(str::to_string).collect();
    let (start, end, indent) = stage_block(&lines, name_line).ok_or_else(|| {
        InputError::at(&shown, name_line as u64, 1, format!("stage {target:?} is written in flow style ({{…}}); write it as a block mapping to merge a strategy into it"))
    })?;
    remove_key(&mut lines, start, end, indent, "strategy");
    let end = block_end(&lines, start, indent);
    let mut b = Block::default();
    b.comment(0, &format!("strategy imported from {} by `promosim import`", frag.source));
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
            let child = lines[p + 1..].iter().find(|l| is_content(l)).map(|l| indent_of(l)).filter(|&i| i > 0).unwrap_or(2);
            let text: Vec<String> = b.render(child).lines().map(str::to_string).collect();
            lines.splice(p + 1..p + 1, text);
        }
        None => {
            let at = lines.iter().position(|l| l.starts_with("commits:")).unwrap_or(lines.len());
            let mut text = vec!["people:".to_string()];
            text.extend(b.render(2).lines().map(str::to_string));
            text.push(String::new());
            lines.splice(at..at, text);
        }
    }
}
