//! Passwords: the policy (pure) and argon2id hashing.
//!
//! Policy (issue #2; MLPS 8.1.4.1 a) complexity, with ASVS 6.2.4 blocklisting kept): at least
//! `password_min_len` characters, `password_min_classes` of the four character classes, not
//! containing the username, and not a common password. "Common" means: after lower-casing,
//! undoing leetspeak and stripping the digits and symbols people pad with, what is left is a
//! word from our list (`password`, `qwerty`, `admin`, pinyin favourites, the product's and the
//! organisation's own words), or a keyboard/number run.

use std::sync::OnceLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use super::super::authz::policy::SecurityPolicy;
use crate::i18n::Msg;

/// Longest password accepted (ASVS 6.2.9 asks for at least 64).
pub const MAX_LEN: usize = 128;

/// Words that make a password guessable once padding is stripped. Written for this project.
const COMMON_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "admin",
    "administrator",
    "root",
    "user",
    "guest",
    "test",
    "tester",
    "login",
    "welcome",
    "hello",
    "letmein",
    "changeme",
    "default",
    "secret",
    "master",
    "super",
    "superman",
    "system",
    "qwerty",
    "qwertyuiop",
    "qwer",
    "asdf",
    "asdfgh",
    "asdfghjkl",
    "zxcv",
    "zxcvbn",
    "zxcvbnm",
    "qazwsx",
    "qweasd",
    "qweasdzxc",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "aaaaaa",
    "iloveyou",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "shadow",
    "michael",
    "trustno",
    "whatever",
    "computer",
    "internet",
    "china",
    "beijing",
    "shanghai",
    "woaini",
    "aini",
    "woaini1314",
    "zhongguo",
    "mima",
    "mimamima",
    "gongzuo",
    "danwei",
    "qinglian",
    "lianzheng",
    "jiwei",
    "jijian",
    "sifa",
    "sifaju",
    "sifating",
    "dangjian",
    "dangyuan",
    "zhengfa",
    "jiancha",
    "fayuan",
    "gongan",
    "lawyer",
    "justice",
    "office",
    "company",
    "abc123",
    "qwe123",
    "pass123",
    "admin123",
    "root123",
    "test123",
];

/// Runs that are weak whatever the padding.
const RUNS: &[&str] = &[
    "0123456789",
    "1234567890",
    "9876543210",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv",
    "zaq12wsx",
    "1q2w3e4r5t",
    "q1w2e3r4t5",
];

fn unleet(c: char) -> char {
    match c {
        '@' | '4' => 'a',
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '$' | '5' => 's',
        '7' => 't',
        _ => c,
    }
}

/// Whether a password is on, or trivially derived from, the common list.
pub fn is_common(pw: &str) -> bool {
    let lower = pw.to_lowercase();
    let alnum: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    // The letters with padding digits and symbols removed from both ends.
    let core = lower
        .trim_matches(|c: char| !c.is_ascii_alphabetic())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "@$!|".contains(*c))
        .collect::<String>();
    let unleeted: String = core.chars().map(unleet).filter(|c| c.is_ascii_alphabetic()).collect();
    let letters_only: String = lower.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    if alnum.is_empty() {
        return true;
    }
    for w in COMMON_WORDS {
        if core == *w || unleeted == *w || letters_only == *w || alnum == *w {
            return true;
        }
        // A common word with at most two letters of padding ("Sifaju@2026x").
        if w.len() >= 4 {
            for cand in [&letters_only, &unleeted] {
                if (cand.starts_with(w) || cand.ends_with(w)) && cand.len() <= w.len() + 2 {
                    return true;
                }
            }
        }
    }
    // A single repeated character, or a digits-only password.
    let first = alnum.chars().next().unwrap_or(' ');
    if alnum.chars().all(|c| c == first) || alnum.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    // Mostly a keyboard or number run.
    for run in RUNS {
        for win in 6..=alnum.len().min(run.len()) {
            if run
                .as_bytes()
                .windows(win)
                .any(|w| alnum.len() <= win + 3 && alnum.contains(std::str::from_utf8(w).unwrap_or("")))
            {
                return true;
            }
        }
    }
    false
}

fn classes(pw: &str) -> u32 {
    let lower = pw.chars().any(|c| c.is_lowercase());
    let upper = pw.chars().any(|c| c.is_uppercase());
    let digit = pw.chars().any(|c| c.is_ascii_digit());
    let other = pw.chars().any(|c| !c.is_alphanumeric());
    [lower, upper, digit, other].iter().filter(|b| **b).count() as u32
}

/// Check a new password against the policy. The error names what is wrong.
pub fn check_policy(pw: &str, username: &str, policy: &SecurityPolicy) -> Result<(), Msg> {
    let len = pw.chars().count();
    if len < policy.password_min_len as usize {
        return Err(Msg::new("auth.pw_too_short").arg("min", policy.password_min_len));
    }
    if len > MAX_LEN {
        return Err(Msg::new("auth.pw_too_long").arg("max", MAX_LEN));
    }
    if classes(pw) < policy.password_min_classes {
        return Err(Msg::new("auth.pw_classes").arg("n", policy.password_min_classes));
    }
    let u = username.to_lowercase();
    if u.chars().count() >= 3 && pw.to_lowercase().contains(&u) {
        return Err(Msg::new("auth.pw_has_username"));
    }
    if is_common(pw) {
        return Err(Msg::new("auth.pw_common"));
    }
    Ok(())
}

/// Hash with argon2id (m = 19 MiB, t = 2, p = 1; ASVS 11.4.2). CPU-heavy: call from
/// `spawn_blocking`.
pub fn hash(pw: &str) -> String {
    Argon2::default().hash_password(pw.as_bytes()).expect("argon2 hashing of a bounded input").to_string()
}

/// Verify a password against a stored PHC string. CPU-heavy: call from `spawn_blocking`.
pub fn verify(pw: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default().verify_password(pw.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so the answer takes as long.
pub fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash("qinglian-dummy-password-for-timing"))
}

/// Run `verify` off the async threads.
pub async fn verify_async(pw: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&pw, &phc)).await.unwrap_or(false)
}

pub async fn hash_async(pw: String) -> String {
    tokio::task::spawn_blocking(move || hash(&pw)).await.expect("hashing task does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> SecurityPolicy {
        SecurityPolicy::default()
    }

    #[test]
    fn good_passwords_pass() {
        for pw in ["Tx7#kLm2pQ", "Huang-Shan-Qiu-8", "绿水青山Lv2025x", "correct horse Battery 9", "Zq9!Zq9!Zq9!Lm"]
        {
            assert!(check_policy(pw, "zhangsan", &p()).is_ok(), "{pw}");
        }
    }

    #[test]
    fn short_and_simple_are_refused_with_reasons() {
        assert_eq!(check_policy("Ab1!", "u", &p()).unwrap_err().key, "auth.pw_too_short");
        assert_eq!(check_policy("abcdefghijkl", "u", &p()).unwrap_err().key, "auth.pw_classes");
        assert_eq!(check_policy("abcdefgh12", "u", &p()).unwrap_err().key, "auth.pw_classes");
        assert_eq!(check_policy(&"Ab1!".repeat(40), "u", &p()).unwrap_err().key, "auth.pw_too_long");
    }

    #[test]
    fn username_inside_is_refused() {
        assert_eq!(check_policy("Zhangsan#2026x", "zhangsan", &p()).unwrap_err().key, "auth.pw_has_username");
    }

    #[test]
    fn common_passwords_with_padding_are_refused() {
        for pw in [
            "Password@2024",
            "P@ssw0rd123!",
            "Admin@123456",
            "Qwerty123456!",
            "Qinglian@123",
            "Woaini1314!!",
            "1qaz2WSX3edc",
            "Abcd1234!!",
            "Sifaju@2026x",
        ] {
            assert!(is_common(pw), "{pw} should be common");
            assert!(check_policy(pw, "u", &p()).is_err(), "{pw}");
        }
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let a = "Aa1!".repeat(20);
        let mut b = a.clone();
        b.pop();
        b.push('?');
        let h = hash(&a);
        assert!(verify(&a, &h));
        assert!(!verify(&b, &h));
    }

    #[test]
    fn hashes_are_salted_argon2id_with_the_asvs_parameters() {
        let a = hash("Same-Password-1");
        let b = hash("Same-Password-1");
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(!verify("wrong", &a));
        assert!(!verify("x", "not a phc string"));
    }
}
