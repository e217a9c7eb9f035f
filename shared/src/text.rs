//! Text people type that reaches certificates and emails: names of organizations, of recipients, of users.
//!
//! One check, [`check_visible`], refuses a character that would make such text read differently than it is
//! stored: control characters, bidirectional controls (U+202E turns `Evil\u{202e}gro` into "Evilorg" on screen
//! and in a mail client), zero-width and other invisible formatting characters (U+200B, U+FEFF, the soft
//! hyphen U+00AD). Everything a name legitimately holds passes: letters of every script, combining marks,
//! spaces, hyphens and apostrophes. The organization form (`api::organization`), the order form's recipient
//! names (`order`) and the edge's user and API key names all refuse through it, under the one code
//! `value_invisible_character`; [`describe`] names the character in their messages and in `address`'s.

/// Whether `character` is invisible or reorders text: a control character (C0, DEL, C1), the soft hyphen, the
/// Arabic letter mark, the Mongolian vowel separator, zero-width spaces and joiners, the left-to-right and
/// right-to-left marks, the bidirectional embeddings, overrides and isolates, the word joiner and the
/// invisible operators, the byte order mark, the interlinear annotation characters, the Hangul fillers, the
/// combining grapheme joiner and the tag characters.
pub fn is_invisible(character: char) -> bool {
    character.is_control()
        || matches!(character,
            '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{feff}' | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
}

/// The first invisible or reordering character of `text` ([`is_invisible`]), refused.
///
/// # Errors
///
/// [`InvisibleCharacter`] with that character.
pub fn check_visible(text: &str) -> Result<(), InvisibleCharacter> {
    match text.chars().find(|character| is_invisible(*character)) {
        Some(character) => Err(InvisibleCharacter { character }),
        None => Ok(()),
    }
}

/// What a person should be told about a character: what it is when it is invisible, a control or a known
/// look-alike, and always its code point (`an invisible bidirectional control character (U+202E)`).
pub fn describe(character: char) -> String {
    let code = format!("U+{:04X}", u32::from(character));
    let kind = match character {
        '\u{00a0}' | '\u{2007}' | '\u{202f}' => "a no-break space",
        '\u{00ad}' => "an invisible soft hyphen",
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => "an invisible (zero-width) character",
        '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' => {
            "an invisible bidirectional control character"
        }
        character if character.is_control() => "a control character",
        character if is_invisible(character) => "an invisible formatting character",
        '\u{ff01}'..='\u{ff5e}' => "a fullwidth form of an ASCII character",
        '\u{0400}'..='\u{04ff}' => "a Cyrillic letter (some look exactly like Latin ones)",
        '\u{0370}'..='\u{03ff}' => "a Greek letter (some look exactly like Latin ones)",
        character if character.is_whitespace() => "a Unicode space",
        _ => return format!("the character \u{201c}{character}\u{201d} ({code})"),
    };
    format!("{kind} ({code})")
}

/// Why a name is refused: it holds a character [`is_invisible`] names. The caller says which field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvisibleCharacter {
    /// The first such character.
    pub character: char,
}

impl InvisibleCharacter {
    /// Stable machine-readable code, the same on every form.
    pub fn code(&self) -> &'static str {
        "value_invisible_character"
    }
}

/// A clause to follow the field's label: `holds an invisible bidirectional control character (U+202E), …`.
impl core::fmt::Display for InvisibleCharacter {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            formatter,
            "holds {}, which would make it read differently than it is stored: type it again rather than pasting \
             it.",
            describe(self.character)
        )
    }
}

impl std::error::Error for InvisibleCharacter {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `text`: `None` when accepted, else the code point and the words its description must hold.
    fn check(text: &str, expected: Option<(&str, &str)>) {
        let actual = check_visible(text);
        match (actual, expected) {
            (Ok(()), None) => {}
            (Err(error), Some((code_point, kind))) => {
                let message = error.to_string();
                assert!(message.contains(code_point) && message.contains(kind), "{text:?}: {message}");
                assert_eq!(error.code(), "value_invisible_character");
            }
            (actual, expected) => panic!("{text:?}: expected {expected:?}, got {actual:?}"),
        }
    }

    #[test]
    fn names_in_every_script_pass() {
        for name in [
            "Ada Lovelace",
            "Émile Zola",
            "Straße",
            "Øystein Ødegård",
            "日本 太郎",
            "العربية",
            "עברית",
            "Jean-Luc O'Brien",
            "O’Connor",
            "Nguyễn Thị Minh Khai",
            "Ἀριστοτέλης",
            "Пётр Чайковский",
            "한국어",
            "देवनागरी",
            "Zoë\u{0308}",
        ] {
            check(name, None);
        }
    }

    #[test]
    fn invisible_and_reordering_characters_are_named() {
        for (text, code_point, kind) in [
            ("Zero\u{200b}Width", "U+200B", "zero-width"),
            ("Evil\u{202e}gro", "U+202E", "bidirectional"),
            ("Isolate\u{2066}d", "U+2066", "bidirectional"),
            ("Mark\u{200f}", "U+200F", "bidirectional"),
            ("Arabic\u{061c}mark", "U+061C", "bidirectional"),
            ("Bell\u{0007}", "U+0007", "control character"),
            ("Line\nbreak", "U+000A", "control character"),
            ("Delete\u{007f}", "U+007F", "control character"),
            ("C1\u{0085}", "U+0085", "control character"),
            ("\u{feff}Bom", "U+FEFF", "zero-width"),
            ("Soft\u{00ad}hyphen", "U+00AD", "soft hyphen"),
            ("Word\u{2060}joiner", "U+2060", "zero-width"),
            ("Tag\u{e0041}", "U+E0041", "invisible formatting character"),
            ("Filler\u{3164}", "U+3164", "invisible formatting character"),
        ] {
            check(text, Some((code_point, kind)));
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe('\u{202e}'), "an invisible bidirectional control character (U+202E)");
        assert_eq!(describe('\u{0430}'), "a Cyrillic letter (some look exactly like Latin ones) (U+0430)");
        assert_eq!(describe('ä'), "the character \u{201c}ä\u{201d} (U+00E4)");
        assert_eq!(describe('\u{1f600}'), "the character \u{201c}\u{1f600}\u{201d} (U+1F600)");
    }
}
