//! Text of what a device answered or why it did not: the useful part of an error body (IOS
//! XE, RFC 8040, F5 XC), a one-line excerpt of anything else, and an error's cause chain.

use serde_json::Value;

/// The first 300 characters of a body, on one line.
pub fn excerpt(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 300 {
        format!("{}…", one.chars().take(300).collect::<String>())
    } else {
        one
    }
}

/// The useful part of an error body: `error-message`/`detail` (IOS XE), `message` (F5 XC),
/// or an excerpt of whatever came.
pub fn error_text(text: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        // RFC 8040: {"ietf-restconf:errors": {"error": [{error-message, error-path, ...}]}}
        let errors = v
            .get("ietf-restconf:errors")
            .or_else(|| v.get("errors"))
            .and_then(|e| e.get("error"))
            .and_then(Value::as_array);
        if let Some(errors) = errors {
            let parts: Vec<String> = errors
                .iter()
                .map(|e| {
                    let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
                    let (msg, path, tag) = (
                        field("error-message"),
                        field("error-path"),
                        field("error-tag"),
                    );
                    let msg = if msg.is_empty() { tag } else { msg };
                    if path.is_empty() {
                        msg.to_string()
                    } else {
                        format!("{msg} (at {path})")
                    }
                })
                .collect();
            if !parts.is_empty() {
                return parts.join("; ");
            }
        }
        let parts: Vec<String> = ["error-message", "detail", "message"]
            .iter()
            .filter_map(|k| v.get(*k).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if !parts.is_empty() {
            return parts.join(" - ");
        }
    }
    excerpt(text)
}

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    // reqwest names the URL again ("... for url (URL)"): the message names it once already
    let top = e.to_string();
    let top = match top.find(" for url (") {
        Some(i) => top[..i].to_string(),
        None => top,
    };
    let mut parts = vec![top];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restconf_errors_quote_message_and_path() {
        let body = r#"{"ietf-restconf:errors": {"error": [{"error-type": "application",
            "error-tag": "invalid-value", "error-path": "/Cisco-IOS-XE-native:native/ip/dhcp",
            "error-message": "inconsistent value: Device refused one or more commands"}]}}"#;
        assert_eq!(
            error_text(body),
            "inconsistent value: Device refused one or more commands (at \
             /Cisco-IOS-XE-native:native/ip/dhcp)"
        );
        let plain = r#"{"errors": {"error": [{"error-tag": "access-denied"}]}}"#;
        assert_eq!(error_text(plain), "access-denied");
        assert_eq!(error_text(r#"{"error-message": "bad"}"#), "bad");
    }
}
