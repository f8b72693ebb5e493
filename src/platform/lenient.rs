//! Lenient JSON: device documents (and some devices) send JSON with trailing commas or a
//! missing comma between members; every backend parses answers through here.

use serde_json::Value;

/// Parses a JSON body, repairing the two slips the document's examples show (trailing commas
/// and a missing comma between members on separate lines) when strict parsing fails.
pub fn parse_json_lenient(text: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(e) => serde_json::from_str(&repair_json(text)).map_err(|_| e),
    }
}

fn repair_json(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_str = false;
    let mut escaped = false;
    let mut last_sig: Option<char> = None; // last significant char outside strings
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
                last_sig = Some('"');
            }
            i += 1;
            continue;
        }
        match c {
            ',' => {
                // drop a trailing comma before } or ]
                let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                if !matches!(next, Some('}') | Some(']')) {
                    out.push(c);
                    last_sig = Some(',');
                }
            }
            '"' | '{' | '[' => {
                // a value ended and a new member starts without a comma
                if matches!(
                    last_sig,
                    Some('"') | Some('}') | Some(']') | Some('e') | Some('l')
                ) || last_sig.is_some_and(|l| l.is_ascii_digit())
                {
                    out.push(',');
                }
                out.push(c);
                if c == '"' {
                    in_str = true;
                }
                last_sig = Some(c);
            }
            c if c.is_whitespace() => out.push(c),
            ':' => {
                out.push(c);
                last_sig = Some(':');
            }
            _ => {
                out.push(c);
                last_sig = Some(c);
            }
        }
        i += 1;
    }
    out
}
