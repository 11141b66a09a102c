//! Inputs the fuzz targets (fuzz/, docs/robustness.md "Crashes found and fixed") found to
//! crash, exhaust memory or hang, each pinned to the clear error it now gets.

use mynacard::rig::script::MAX_COMMAND_LEN;
use mynacard::rig::{Problem, Script};

/// apdu_script: 489 bytes of `set A $A $A` doubled a variable past 1 GB (out of memory under
/// the fuzzer's 1024 MB limit). Now the expansion stops where no APDU could hold it (the
/// bound on what a variable holds, counted while references are expanded).
#[test]
fn doubling_a_variable_stops_at_the_longest_apdu() {
    let text = "set A 00\n".to_string() + &"set A $A $A\n".repeat(40);
    let e = Script::parse("t.apdu", &text).unwrap_err();
    // 2^17 = 131072 bytes is the first doubling above 65544: line 18 (the 17th `set A $A $A`).
    assert_eq!(e.line, 18);
    assert_eq!(e.problem, Problem::VariableTooLong { name: "A".into() });
    const { assert!(65_536 * 2 > MAX_COMMAND_LEN) };
    assert_eq!(
        e.problem.to_string(),
        "$A would be longer than 65544 bytes, more than any command can hold"
    );
}

/// The bound is the longest APDU: a variable exactly that long is still accepted.
#[test]
fn a_value_as_long_as_the_longest_apdu_is_accepted() {
    let text = format!("set A {}\nset B $A", "00".repeat(MAX_COMMAND_LEN));
    assert!(Script::parse("t.apdu", &text).is_ok());
    let text = format!("set A {}\nset B 00 $A", "00".repeat(MAX_COMMAND_LEN));
    let e = Script::parse("t.apdu", &text).unwrap_err();
    assert_eq!((e.line, e.problem), (2, Problem::VariableTooLong { name: "B".into() }));
}
