//! Scenario text → parse and validate → compile (calendars, cron, rate table,
//! runaway guards). Any input must give Ok or an InputError, never a panic,
//! an allocation failure or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = promosim::fuzzing::scenario(text);
    }
});
