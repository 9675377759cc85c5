//! `git log` output → the replay reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = promosim::fuzzing::replay_git_log(data);
});
