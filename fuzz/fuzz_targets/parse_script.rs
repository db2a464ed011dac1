//! Statements come from users: any text must parse or give a rendered error, never panic
//! or overflow the stack. What parses must print to text that parses to the same thing.
#![no_main]
use annals::query::parser::parse_script;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match parse_script(src) {
        Ok(script) => {
            let printed = script.to_string();
            let again = parse_script(&printed).expect("printed syntax parses");
            assert_eq!(again.to_string(), printed);
        }
        Err(e) => {
            let _ = e.render(src, Some("fuzz"));
        }
    }
});
