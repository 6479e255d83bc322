//! The key table's tests: the mapper, the help rows, stepping's inherited keys, the
//! README key table.

use super::*;
use std::collections::HashSet;

fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn every_binding_maps_to_its_action() {
    for b in bindings() {
        assert_eq!(action_for(b.context, b.key), Some(b.action), "{b:?}");
    }
}

#[test]
fn stepping_takes_the_main_screens_keys_for_what_it_inherits() {
    let mut inherited = 0;
    for row in KEYS {
        let KeyRow::Inherit {
            context,
            from,
            actions,
        } = *row
        else {
            continue;
        };
        for &action in actions {
            let theirs: Vec<Key> = own_bindings(from, action).map(|b| b.key).collect();
            assert!(!theirs.is_empty(), "{from:?} binds no key to {action:?}");
            for key in theirs {
                assert_eq!(action_for(context, key), Some(action), "{key:?}");
                inherited += 1;
            }
        }
    }
    assert!(inherited >= 20, "{inherited}");
    // What stepping does not inherit stays the main screen's.
    assert_eq!(action_for(C::Main, Key::ch('/')), Some(A::Search));
    assert_eq!(action_for(C::Step, Key::ch('/')), None);
    assert_eq!(action_for(C::Step, Key::ch('n')), Some(A::StepRun));
    assert_eq!(action_for(C::Step, Key::plain(K::Esc)), Some(A::StepClose));
}

#[test]
fn no_duplicate_key_in_a_context() {
    let mut seen = HashSet::new();
    for b in bindings() {
        assert!(
            seen.insert((b.context, b.key)),
            "duplicate {:?} in {:?}",
            b.key,
            b.context
        );
    }
}

#[test]
fn help_lists_every_binding() {
    for b in bindings() {
        let rows = help_rows(b.context);
        let label = b.key.label();
        assert!(
            rows.iter()
                .any(|r| r.help == b.help && r.keys.split(" / ").any(|k| k == label)),
            "{b:?} missing from help"
        );
    }
}

#[test]
fn terminal_events_normalise() {
    let table = [
        (
            ev(KeyCode::Char('E'), KeyModifiers::SHIFT),
            C::Main,
            Some(A::ExportJson),
        ),
        (
            ev(KeyCode::Char('e'), KeyModifiers::NONE),
            C::Main,
            Some(A::ExportText),
        ),
        (
            ev(KeyCode::Char('c'), KeyModifiers::CONTROL),
            C::Main,
            Some(A::Quit),
        ),
        (
            ev(
                KeyCode::Char('C'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT,
            ),
            C::Main,
            Some(A::Quit),
        ),
        (
            ev(KeyCode::Char('c'), KeyModifiers::NONE),
            C::Main,
            Some(A::Cancel),
        ),
        (
            ev(KeyCode::BackTab, KeyModifiers::SHIFT),
            C::Main,
            Some(A::FocusPrev),
        ),
        (
            ev(KeyCode::Char('N'), KeyModifiers::SHIFT),
            C::Main,
            Some(A::PrevMatch),
        ),
        (
            ev(KeyCode::Char('?'), KeyModifiers::SHIFT),
            C::Main,
            Some(A::ToggleHelp),
        ),
        (
            ev(KeyCode::Char('n'), KeyModifiers::NONE),
            C::Step,
            Some(A::StepRun),
        ),
        (ev(KeyCode::Char('n'), KeyModifiers::NONE), C::Input, None),
        (ev(KeyCode::Char('x'), KeyModifiers::NONE), C::Main, None),
        (ev(KeyCode::Char('c'), KeyModifiers::ALT), C::Main, None),
        (
            ev(KeyCode::Enter, KeyModifiers::NONE),
            C::Form,
            Some(A::Submit),
        ),
    ];
    for (e, ctx, want) in table {
        assert_eq!(
            action_for(ctx, Key::from_event(e)),
            want,
            "{e:?} in {ctx:?}"
        );
    }
}

#[test]
fn ctrl_c_cancels_every_prompt_and_quits_every_screen() {
    for ctx in Context::ALL {
        let reach = action_for(ctx, Key::ctrl('c'));
        let want = if matches!(ctx, Context::Input | Context::Confirm) {
            matches!(reach, Some(A::Abort | A::No))
        } else {
            reach == Some(A::Quit)
        };
        assert!(want, "{ctx:?}: {reach:?}");
    }
}

#[test]
fn readme_key_table_is_current() {
    // scripts/readme_keys.py regenerates the table from KEYS.
    let readme = include_str!("../../../README.md");
    for b in bindings() {
        let ctx = match b.context {
            Context::Main => "main screen",
            Context::Step => "stepping",
            Context::Form => "target form",
            _ => continue,
        };
        let row = format!("| {ctx} |");
        assert!(
            readme
                .lines()
                .any(|l| l.starts_with(&row) && l.ends_with(&format!("| {} |", b.help))),
            "README key table lacks `{}` ({ctx}); run scripts/readme_keys.py",
            b.help
        );
    }
}
