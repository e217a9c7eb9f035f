//! How hard a password would be to guess: a small estimator in the manner of Dropbox's zxcvbn, for the bundle
//! password the recipient chooses in the browser (the `.p12` file and the encrypted PEM key leave the browser,
//! so whoever holds a copy can guess offline).
//!
//! [`strength`] splits the password into the cheapest sequence of patterns an attacker would try, and adds up
//! the guesses each needs (in log10):
//!
//! - a word from a small embedded list of the most common passwords and keyboard walks, also with the usual
//!   substitutions undone (`@`→a, `0`→o, `1`→i or l, `3`→e, `$` and `5`→s, `7`→t, `4`→a), ranked by how
//!   common it is, with a small factor for capitals and substitutions;
//! - a run of one repeated character (`aaaa`, `1111`);
//! - a sequence (`abcd`, `6543`, `13579`: any constant step of 1 or 2 between code points);
//! - a walk along a keyboard row (QWERTY, QWERTZ and AZERTY: `asdfg`, `poiuy`, `uiop`);
//! - otherwise, one character at a time, from its class (26 lower-case, 26 upper-case, 10 digits, 33 symbols,
//!   100 for anything beyond ASCII).
//!
//! The score follows zxcvbn's scale: 0 below 10^3 guesses, 1 below 10^6, 2 below 10^8, 3 below 10^10, 4
//! from there. [`MINIMUM_SCORE`] is what Keyward's pages accept.
//!
//! What it does **not** catch: dictionary words, names, places and dates beyond the short list (a password
//! made of one English word and a year scores as random letters and digits); words of other languages; the
//! recipient's own name or address; reversed words; keyboard walks other than along a row (columns, zig-zags;
//! a few common ones such as `qazwsx` are in the list); repeated blocks (`abcabc`); passwords leaked in
//! breaches. The list is kept small on purpose, for the size of the WebAssembly module. A password that
//! passes is not proven strong; one that fails is certainly weak.

use crate::lang::Lang;

/// Shortest password Keyward's pages accept, whatever its score.
pub const MINIMUM_LENGTH: usize = 10;

/// Lowest [`Strength::score`] Keyward's pages accept: about 10^10 guesses.
pub const MINIMUM_SCORE: u8 = 3;

/// The most common passwords and keyboard walks, most common first (lower case). Entries of three characters
/// or fewer are not listed: the other patterns, or brute force, cost them little anyway.
const COMMON: &[&str] = &[
    "password",
    "123456",
    "qwerty",
    "letmein",
    "welcome",
    "admin",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "superman",
    "trustno1",
    "abc123",
    "passw0rd",
    "login",
    "starwars",
    "whatever",
    "qazwsx",
    "1qaz2wsx",
    "zaq12wsx",
    "michael",
    "jennifer",
    "charlie",
    "jordan",
    "hunter",
    "killer",
    "soccer",
    "hockey",
    "batman",
    "thomas",
    "andrew",
    "tigger",
    "robert",
    "daniel",
    "jessica",
    "pepper",
    "ginger",
    "cheese",
    "summer",
    "winter",
    "spring",
    "autumn",
    "freedom",
    "secret",
    "access",
    "flower",
    "cookie",
    "banana",
    "orange",
    "purple",
    "computer",
    "internet",
    "mustang",
    "maggie",
    "buster",
    "hello",
    "love",
    "lovely",
    "angel",
    "family",
    "friends",
    "google",
    "samsung",
    "apple",
    "pokemon",
    "naruto",
    "matrix",
    "ninja",
    "azerty",
    "qwertz",
    "asdfgh",
    "zxcvbn",
    "passwort",
    "motdepasse",
    "changeme",
    "default",
    "test",
    "guest",
    "root",
    "user",
    "keyward",
    "certificate",
    "private",
    "secure",
    "security",
    "money",
    "london",
    "paris",
    "berlin",
    "december",
    "january",
    "october",
    "september",
];

/// Keyboard rows, for walks in either direction.
const KEYBOARD_ROWS: &[&str] =
    &["qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn"];

/// The patterns an estimate can find, for the advice shown to the person typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Weakness {
    /// Shorter than [`MINIMUM_LENGTH`].
    TooShort,
    /// One of the most common passwords, or contains one.
    CommonPassword,
    /// A run of one repeated character.
    Repetition,
    /// A sequence such as `abcd` or `1234`.
    Sequence,
    /// A walk along a keyboard row such as `asdf`.
    KeyboardWalk,
    /// Only one kind of character and not long enough to make up for it.
    FewCharacterKinds,
}

impl Weakness {
    /// Advice in plain words, in `lang`.
    #[must_use]
    pub const fn advice(self, lang: Lang) -> &'static str {
        match self {
            Self::TooShort => lang.pick(
                "Use at least 10 characters; several unrelated words are easy to remember.",
                "Utilisez au moins 10 caractères ; plusieurs mots sans rapport entre eux se retiennent facilement.",
            ),
            Self::CommonPassword => lang.pick(
                "Avoid common passwords: they are the first ones tried.",
                "Évitez les mots de passe courants : ce sont les premiers essayés.",
            ),
            Self::Repetition => lang.pick(
                "Avoid repeated characters such as aaa or 111.",
                "Évitez les caractères répétés comme aaa ou 111.",
            ),
            Self::Sequence => lang.pick("Avoid sequences such as abc or 1234.", "Évitez les suites comme abc ou 1234."),
            Self::KeyboardWalk => lang.pick(
                "Avoid keyboard patterns such as qwerty or asdf.",
                "Évitez les suites de touches du clavier comme azerty ou qsdf.",
            ),
            Self::FewCharacterKinds => lang.pick(
                "Add more words, or mix in other kinds of characters.",
                "Ajoutez des mots, ou mélangez d’autres types de caractères.",
            ),
        }
    }
}

/// The estimate for one password.
#[derive(Clone, Debug, PartialEq)]
pub struct Strength {
    /// 0 (guessed at once) to 4 (beyond 10^10 guesses).
    pub score: u8,
    /// The base-10 logarithm of the estimated number of guesses.
    pub guesses_log10: f64,
    /// What made it weaker, in the order found; empty for a password without a known pattern.
    pub weaknesses: Vec<Weakness>,
}

impl Strength {
    /// The verdict in plain words, for the meter, in `lang`.
    #[must_use]
    pub const fn verdict(&self, lang: Lang) -> &'static str {
        match self.score {
            0 => lang.pick("Very weak: guessed at once", "Très faible : deviné immédiatement"),
            1 => lang.pick("Weak: guessed in minutes", "Faible : deviné en quelques minutes"),
            2 => lang.pick("Fair: guessed in days", "Moyen : deviné en quelques jours"),
            3 => lang.pick("Strong", "Fort"),
            _ => lang.pick("Very strong", "Très fort"),
        }
    }

    /// Whether Keyward's pages accept it: at least [`MINIMUM_SCORE`] and no [`Weakness::TooShort`].
    #[must_use]
    pub fn acceptable(&self) -> bool {
        self.score >= MINIMUM_SCORE && !self.weaknesses.contains(&Weakness::TooShort)
    }
}

/// One pattern found in the password: characters `start..end`, and the guesses it costs (log10).
#[derive(Clone, Copy, Debug)]
struct Found {
    start: usize,
    end: usize,
    guesses_log10: f64,
    weakness: Option<Weakness>,
}

/// Estimates how many guesses `password` would take; see the module documentation for the method and its
/// limits.
#[must_use]
pub fn strength(password: &str) -> Strength {
    let characters: Vec<char> = password.chars().collect();
    let length = characters.len();
    // ASCII case folding only: the patterns are ASCII, and Unicode's case tables would weigh on the WebAssembly
    // module for nothing (a non-ASCII letter counts as 100 possibilities anyway).
    let lower: Vec<char> = characters.iter().map(char::to_ascii_lowercase).collect();
    let mut found = common_words(&characters, &lower);
    found.extend(repetitions(&lower));
    found.extend(sequences(&lower));
    found.extend(keyboard_walks(&lower));

    // The cheapest way to cover the password: best[i] is the fewest guesses (log10) for the first i characters,
    // coming from came_from[i].
    let mut best = vec![f64::INFINITY; length + 1];
    let mut came_from: Vec<Option<Found>> = vec![None; length + 1];
    best[0] = 0.0;
    for end in 1..=length {
        let brute = best[end - 1] + character_class_size(characters[end - 1]).log10();
        if brute < best[end] {
            best[end] = brute;
            came_from[end] = None;
        }
        for pattern in found.iter().filter(|pattern| pattern.end == end) {
            // Every pattern beyond the first also costs telling where it starts.
            let cost = best[pattern.start] + pattern.guesses_log10 + if pattern.start > 0 { 0.3 } else { 0.0 };
            if cost < best[end] {
                best[end] = cost;
                came_from[end] = Some(*pattern);
            }
        }
    }

    let mut weaknesses = Vec::new();
    let mut position = length;
    while position > 0 {
        match came_from[position] {
            Some(pattern) => {
                if let Some(weakness) = pattern.weakness
                    && !weaknesses.contains(&weakness)
                {
                    weaknesses.push(weakness);
                }
                position = pattern.start;
            }
            None => position -= 1,
        }
    }
    weaknesses.reverse();
    let guesses_log10 = best[length];
    let kinds = [
        characters.iter().any(char::is_ascii_lowercase),
        characters.iter().any(char::is_ascii_uppercase),
        characters.iter().any(char::is_ascii_digit),
        characters.iter().any(|character| !character.is_ascii_alphanumeric()),
    ];
    if kinds.iter().filter(|kind| **kind).count() == 1 && guesses_log10 < 10.0 {
        weaknesses.push(Weakness::FewCharacterKinds);
    }
    if length < MINIMUM_LENGTH {
        weaknesses.insert(0, Weakness::TooShort);
    }
    let score = match guesses_log10 {
        guesses if guesses < 3.0 => 0,
        guesses if guesses < 6.0 => 1,
        guesses if guesses < 8.0 => 2,
        guesses if guesses < 10.0 => 3,
        _ => 4,
    };
    Strength { score, guesses_log10, weaknesses }
}

/// How many characters an attacker tries at a position holding `character`.
fn character_class_size(character: char) -> f64 {
    match character {
        'a'..='z' | 'A'..='Z' => 26.0,
        '0'..='9' => 10.0,
        ' '..='~' => 33.0,
        _ => 100.0,
    }
}

/// The character a common substitution stands for, if any (`1` may stand for i or l: both are tried).
fn unsubstituted(character: char) -> &'static [char] {
    match character {
        '@' | '4' => &['a'],
        '0' => &['o'],
        '1' | '!' => &['i', 'l'],
        '3' => &['e'],
        '$' | '5' => &['s'],
        '7' | '+' => &['t'],
        _ => &[],
    }
}

/// Common passwords found anywhere in the password, as typed or with substitutions undone.
fn common_words(original: &[char], lower: &[char]) -> Vec<Found> {
    let mut found = Vec::new();
    for (rank, word) in COMMON.iter().enumerate() {
        let word: Vec<char> = word.chars().collect();
        if word.len() > lower.len() {
            continue;
        }
        for start in 0..=lower.len() - word.len() {
            let window = &lower[start..start + word.len()];
            let mut substitutions = 0;
            let matches = window.iter().zip(&word).all(|(typed, wanted)| {
                typed == wanted || {
                    let substituted = unsubstituted(*typed).contains(wanted);
                    substitutions += usize::from(substituted);
                    substituted
                }
            });
            if !matches {
                continue;
            }
            let typed = &original[start..start + word.len()];
            let capitals = typed.iter().filter(|character| character.is_ascii_uppercase()).count();
            // All lower, or only the first capitalized: doubled; other capitals: one guess per choice of them.
            let capitalization = match capitals {
                0 => 0.0,
                1 if typed[0].is_ascii_uppercase() => 2f64.log10(),
                _ => word.len() as f64 * 2f64.log10() * 0.5,
            };
            let substitution = if substitutions > 0 { 2f64.log10() * substitutions as f64 } else { 0.0 };
            found.push(Found {
                start,
                end: start + word.len(),
                guesses_log10: ((rank + 1) as f64).log10() + capitalization + substitution,
                weakness: Some(Weakness::CommonPassword),
            });
        }
    }
    found
}

/// Runs of three or more of one character.
fn repetitions(lower: &[char]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut start = 0;
    while start < lower.len() {
        let run = lower[start..].iter().take_while(|character| **character == lower[start]).count();
        if run >= 3 {
            found.push(Found {
                start,
                end: start + run,
                guesses_log10: (character_class_size(lower[start]) * run as f64).log10(),
                weakness: Some(Weakness::Repetition),
            });
        }
        start += run;
    }
    found
}

/// Runs of three or more letters or digits with a constant step of ±1 or ±2 (`abc`, `9876`, `acegi`).
fn sequences(lower: &[char]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut start = 0;
    while start + 2 < lower.len() {
        let step = lower[start + 1] as i64 - lower[start] as i64;
        let same_kind = |a: char, b: char| {
            (a.is_ascii_lowercase() && b.is_ascii_lowercase()) || (a.is_ascii_digit() && b.is_ascii_digit())
        };
        let mut end = start + 1;
        while end < lower.len()
            && matches!(step, -2 | -1 | 1 | 2)
            && lower[end] as i64 - lower[end - 1] as i64 == step
            && same_kind(lower[end], lower[start])
        {
            end += 1;
        }
        if end - start >= 3 {
            // A sequence from an obvious start (a, z, 0, 1, 9) is among the first tried.
            let first = if "az019".contains(lower[start]) { 4.0 } else { character_class_size(lower[start]) };
            let direction = if step < 0 { 2.0 } else { 1.0 };
            found.push(Found {
                start,
                end,
                guesses_log10: (first * (end - start) as f64 * direction * step.unsigned_abs() as f64).log10(),
                weakness: Some(Weakness::Sequence),
            });
            start = end - 1;
        } else {
            start += 1;
        }
    }
    found
}

/// Four or more consecutive keys of one keyboard row, either way.
fn keyboard_walks(lower: &[char]) -> Vec<Found> {
    let mut found = Vec::new();
    for row in KEYBOARD_ROWS {
        let forward: Vec<char> = row.chars().collect();
        let backward: Vec<char> = row.chars().rev().collect();
        for (keys, direction) in [(forward, 1.0), (backward, 2.0)] {
            for start in 0..lower.len() {
                let Some(first) = keys.iter().position(|key| *key == lower[start]) else {
                    continue;
                };
                let run = lower[start..].iter().zip(&keys[first..]).take_while(|(typed, key)| typed == key).count();
                if run >= 4 {
                    found.push(Found {
                        start,
                        end: start + run,
                        guesses_log10: (KEYBOARD_ROWS.len() as f64 * 10.0 * run as f64 * direction).log10(),
                        weakness: Some(Weakness::KeyboardWalk),
                    });
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `password` scores at most `score` and reports `weakness`, if given.
    fn check(password: &str, score: u8, weakness: Option<Weakness>) {
        let estimate = strength(password);
        assert!(estimate.score <= score, "{password:?}: {estimate:?}");
        if let Some(weakness) = weakness {
            assert!(estimate.weaknesses.contains(&weakness), "{password:?}: {estimate:?}");
        }
    }

    #[test]
    fn common_passwords_and_their_variants_are_very_weak() {
        check("password", 0, Some(Weakness::CommonPassword));
        check("Password", 0, Some(Weakness::CommonPassword));
        check("P@ssw0rd", 0, Some(Weakness::CommonPassword));
        check("password1234", 0, Some(Weakness::CommonPassword));
        check("password1234", 0, Some(Weakness::Sequence));
        check("letmein", 0, Some(Weakness::CommonPassword));
        check("iloveyou2", 1, Some(Weakness::CommonPassword));
    }

    #[test]
    fn patterns_are_cheap() {
        check("aaaaaaaaaaaa", 1, Some(Weakness::Repetition));
        check("abcdefghijkl", 1, Some(Weakness::Sequence));
        check("9876543210", 1, Some(Weakness::Sequence));
        check("asdfghjkl", 1, Some(Weakness::KeyboardWalk));
        check("poiuytreza", 1, Some(Weakness::KeyboardWalk));
        check("qwertyuiop123", 1, None);
        check("1qaz2wsx", 0, Some(Weakness::CommonPassword));
    }

    #[test]
    fn short_passwords_are_never_acceptable() {
        let estimate = strength("Xk#9q!");
        assert_eq!(estimate.weaknesses.first(), Some(&Weakness::TooShort));
        assert!(!estimate.acceptable());
        assert!(!strength("").acceptable());
        assert_eq!(strength("").score, 0);
    }

    #[test]
    fn passphrases_and_random_passwords_are_acceptable() {
        for password in [
            "correct horse battery staple",
            "resume me, said the key",
            "revoke with this password",
            "Tr0ub4dor&3xQ",
            "m7#Kq2!vLx9p",
            "vélo rouge du matin",
            "пароль-для-ключа-42",
        ] {
            let estimate = strength(password);
            assert!(estimate.acceptable(), "{password:?}: {estimate:?}");
        }
    }

    #[test]
    fn weak_passwords_of_acceptable_length_are_refused() {
        for password in ["password1234", "qwertyuiop", "aaaaaaaaaaaa", "1234567890", "Welcome2024", "monkeymonkey"] {
            let estimate = strength(password);
            assert!(!estimate.acceptable(), "{password:?}: {estimate:?}");
            assert!(!estimate.weaknesses.is_empty(), "{password:?}: {estimate:?}");
        }
    }

    #[test]
    fn longer_is_stronger() {
        let mut previous = 0.0;
        for length in 1..30 {
            let password: String = "kx7mq2vz9wj4bn8h".chars().cycle().take(length).collect();
            let estimate = strength(&password);
            assert!(estimate.guesses_log10 > previous, "{password}: {estimate:?}");
            previous = estimate.guesses_log10;
        }
    }

    #[test]
    fn verdicts_and_advice_are_words() {
        for score in 0..=4 {
            let estimate = Strength { score, guesses_log10: 0.0, weaknesses: Vec::new() };
            assert!(estimate.verdict(Lang::En).len() > 5);
            assert!(estimate.verdict(Lang::Fr).len() > 3);
            // The web app lower-cases a verdict's first letter as ASCII inside a sentence.
            for lang in [Lang::En, Lang::Fr] {
                assert!(estimate.verdict(lang).starts_with(|first: char| first.is_ascii_uppercase()));
            }
        }
        assert!(Weakness::Sequence.advice(Lang::En).contains("1234"));
        assert!(Weakness::Sequence.advice(Lang::Fr).contains("1234"));
    }

    #[test]
    fn every_text_has_a_french_twin() {
        let weaknesses = [
            Weakness::TooShort,
            Weakness::CommonPassword,
            Weakness::Repetition,
            Weakness::Sequence,
            Weakness::KeyboardWalk,
            Weakness::FewCharacterKinds,
        ];
        for weakness in weaknesses {
            let (english, french) = (weakness.advice(Lang::En), weakness.advice(Lang::Fr));
            assert_ne!(english, french, "{weakness:?}");
            assert!(french.starts_with(|character: char| character.is_uppercase()) && french.ends_with('.'));
            // French typography: a non-breaking space (or none) before a colon or semicolon, never a plain one.
            assert!(!french.contains(" :") && !french.contains(" ;"), "{french}");
        }
        for score in 0..=4 {
            let estimate = Strength { score, guesses_log10: 0.0, weaknesses: Vec::new() };
            assert_ne!(estimate.verdict(Lang::En), estimate.verdict(Lang::Fr));
        }
    }
}
