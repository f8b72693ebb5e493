//! Calendar arithmetic for lease expiries: RFC 3339 to seconds since 1970 (checked: values
//! out of range are `None`, never an overflow), and IOS XE's `YYYY:MM:DD HH:MM` form.

/// An IOS XE expiry `YYYY:MM:DD HH:MM` as RFC 3339 without a zone (`YYYY-MM-DDTHH:MM:00`): the
/// device's local time. Text of another form is kept as it is.
pub fn ios_time(t: &str) -> String {
    let parts: Vec<&str> = t.split([':', ' ']).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [y, mo, d, h, mi] if parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) => {
            format!("{y}-{mo}-{d}T{h}:{mi}:00")
        }
        _ => t.to_string(),
    }
}

pub fn epoch(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since 1970 of an RFC 3339 date-time (`2026-04-15T12:00:00Z`, offsets `+hh:mm`).
pub fn rfc3339_epoch(t: &str) -> Option<i64> {
    let (date, rest) = t.split_once(['T', 't', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, "Z"),
    };
    let mut c = clock.split(':');
    let h: i64 = c.next()?.parse().ok()?;
    let mi: i64 = c.next()?.parse().ok()?;
    let s: f64 = c.next().unwrap_or("0").parse().ok()?;
    let off = match offset.as_bytes().first() {
        Some(b'+' | b'-') => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (oh, om) = offset.get(1..)?.split_once(':')?;
            let (oh, om): (i64, i64) = (oh.parse().ok()?, om.parse().ok()?);
            if !(0..=23).contains(&oh) || !(0..=59).contains(&om) {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
        _ => 0,
    };
    // every part in range first: the arithmetic below cannot overflow then
    let ok = (0..=9999).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0.0..61.0).contains(&s);
    if !ok {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s as i64 - off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_they_should() {
        assert_eq!(rfc3339_epoch("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_epoch("2026-04-15T12:00:00Z"), Some(1_776_254_400));
        assert_eq!(
            rfc3339_epoch("2026-04-15T14:00:00+02:00"),
            Some(1_776_254_400)
        );
        assert_eq!(rfc3339_epoch("garbage"), None);
        assert_eq!(rfc3339_epoch("99999999999999-01-01T00:00:00Z"), None);
        assert_eq!(rfc3339_epoch("2026-13-01T00:00:00Z"), None);
        assert_eq!(rfc3339_epoch("2026-01-01T00:00:00+99999999999:00"), None);
        assert_eq!(ios_time("2026:11:25 12:16"), "2026-11-25T12:16:00");
        assert_eq!(ios_time("soon"), "soon");
    }
}
