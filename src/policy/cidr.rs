//! IP addresses and CIDR ranges as configs and proxies write them.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

use serde::de::{self, Deserialize, Deserializer};

/// An address range: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr` or `addr/prefix`; the address must be the network's first (no host bits),
    /// so that a typo such as `10.0.0.1/8` is caught rather than silently widened.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network = normalize(IpAddr::from_str(addr).ok()?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().ok()?
            }
            Some(_) => return None,
        };
        if prefix > max {
            return None;
        }
        let cidr = Self { network, prefix };
        (cidr.mask_bits(network) == bits(network)).then_some(cidr)
    }

    /// Whether `ip` (IPv4-mapped IPv6 counted as IPv4) is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = normalize(ip);
        ip.is_ipv4() == self.network.is_ipv4() && self.mask_bits(ip) == self.mask_bits(self.network)
    }

    /// Whether anyone on the internet may hold an address in the range: IPv4 wider than /8
    /// (no such range is private), IPv6 wider than /16 outside unique-local `fc00::/7` and
    /// link-local `fe80::/10`.
    pub fn is_wide_public(&self) -> bool {
        match self.network {
            IpAddr::V4(_) => self.prefix < 8,
            IpAddr::V6(_) => {
                self.prefix < 16
                    && !["fc00::/7", "fe80::/10"]
                        .iter()
                        .filter_map(|private| Cidr::parse(private))
                        .any(|private| private.covers(self))
            }
        }
    }

    /// Whether every address of `other` is in this range.
    fn covers(&self, other: &Cidr) -> bool {
        self.prefix <= other.prefix && self.contains(other.network)
    }

    /// The first and last address of the range, as integers of its family.
    fn span(&self) -> (u128, u128) {
        let width = if self.network.is_ipv4() { 32 } else { 128 };
        let host = u32::from(width - self.prefix);
        let first = bits(self.network);
        (
            first,
            first | u128::MAX.checked_shr(128 - host).unwrap_or(0),
        )
    }

    fn mask_bits(&self, ip: IpAddr) -> u128 {
        let (width, value) = match ip {
            IpAddr::V4(v4) => (32, u128::from(u32::from(v4))),
            IpAddr::V6(v6) => (128, u128::from(v6)),
        };
        let host = u32::from(width - self.prefix);
        if host >= 128 {
            0
        } else {
            value >> host << host
        }
    }
}

/// The address family, `"IPv4"` or `"IPv6"`, whose every address `ranges` hold together, if
/// any: `0.0.0.0/1` with `128.0.0.0/1` admits as many callers as `0.0.0.0/0`.
pub fn whole_family(ranges: &[Cidr]) -> Option<&'static str> {
    [
        (true, "IPv4", u128::from(u32::MAX)),
        (false, "IPv6", u128::MAX),
    ]
    .into_iter()
    .find(|&(v4, _, last)| {
        let spans = ranges.iter().filter(|c| c.network.is_ipv4() == v4);
        covers_up_to(spans.map(Cidr::span).collect(), last)
    })
    .map(|(_, family, _)| family)
}

/// Whether `spans` (first and last address) leave no gap from 0 to `last`.
fn covers_up_to(mut spans: Vec<(u128, u128)>, last: u128) -> bool {
    spans.sort_unstable();
    let mut next = 0; // the first address no span before covers
    for (first, end) in spans {
        if first > next {
            return false;
        }
        if end == last {
            return true;
        }
        next = next.max(end + 1);
    }
    false
}

/// A range as a config writes it; the error quotes the text, which holds no secret, so that
/// the typo can be found.
impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Cidr::parse(&text).ok_or_else(|| de::Error::custom(format!("invalid CIDR \"{text}\"")))
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// `::ffff:1.2.3.4` is `1.2.3.4`: dual-stack sockets report IPv4 peers that way.
pub fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// An address as runtimes and proxies report it: `1.2.3.4`, `1.2.3.4:5678`, `::1`,
/// `[::1]:80`, `::ffff:1.2.3.4`; normalized.
pub fn parse_address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('[') {
        let (addr, after) = rest.split_once(']')?;
        let port_ok = after.is_empty() || after.strip_prefix(':').is_some_and(is_port);
        return port_ok.then(|| {
            Ipv6Addr::from_str(addr)
                .ok()
                .map(|a| normalize(IpAddr::V6(a)))
        })?;
    }
    if let Ok(ip) = IpAddr::from_str(text) {
        return Some(normalize(ip));
    }
    let (addr, port) = text.rsplit_once(':')?;
    (is_port(port)).then(|| Ipv4Addr::from_str(addr).ok().map(IpAddr::V4))?
}

fn is_port(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 5
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        IpAddr::from_str(s).unwrap()
    }

    #[test]
    fn parses_ranges() {
        assert!(Cidr::parse("10.0.0.0/8").is_some());
        assert!(Cidr::parse("54.236.233.46").is_some());
        assert!(Cidr::parse("2001:db8::/32").is_some());
        assert!(Cidr::parse("0.0.0.0/0").is_some());
        assert!(Cidr::parse("::/0").is_some());
        for bad in [
            "10.0.0.0/33",
            "10.0.0.1/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "2001:db8::/129",
            "nope",
            "10.0.0.0/8/8",
            "",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn matches_addresses() {
        let net = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(net.contains(ip("10.255.1.2")));
        assert!(net.contains(ip("::ffff:10.1.2.3")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(!net.contains(ip("::a00:1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("2001:db8::/32")
            .unwrap()
            .contains(ip("2001:db8:1::5")));
        assert!(Cidr::parse("::ffff:54.236.233.46")
            .unwrap()
            .contains(ip("54.236.233.46")));
    }

    #[test]
    fn tells_wide_public_ranges() {
        for wide in [
            "0.0.0.0/0",
            "::/0",
            "128.0.0.0/1",
            "4.0.0.0/6",
            "2000::/3",
            "fc00::/6",
        ] {
            assert!(Cidr::parse(wide).unwrap().is_wide_public(), "{wide}");
        }
        for narrow in [
            "10.0.0.0/8",
            "8.0.0.0/8",
            "203.0.113.0/24",
            "2001:db8::/32",
            "2001::/16",
            "fc00::/7",
            "fd00::/8",
            "fe80::/10",
            "::1",
        ] {
            assert!(!Cidr::parse(narrow).unwrap().is_wide_public(), "{narrow}");
        }
    }

    fn family(ranges: &[&str]) -> Option<&'static str> {
        let ranges: Vec<Cidr> = ranges.iter().map(|r| Cidr::parse(r).unwrap()).collect();
        whole_family(&ranges)
    }

    #[test]
    fn tells_ranges_that_add_up_to_a_whole_family() {
        assert_eq!(family(&["0.0.0.0/0"]), Some("IPv4"));
        assert_eq!(family(&["::/0"]), Some("IPv6"));
        assert_eq!(family(&["128.0.0.0/1", "0.0.0.0/1"]), Some("IPv4"));
        assert_eq!(family(&["::/1", "8000::/1", "10.0.0.0/8"]), Some("IPv6"));
        let quarters = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"];
        assert_eq!(family(&quarters), Some("IPv4"));
        // Overlapping and nested ranges, the last one ending exactly at the top.
        let nested = [
            "0.0.0.0/1",
            "10.0.0.0/8",
            "64.0.0.0/2",
            "128.0.0.0/2",
            "192.0.0.0/2",
        ];
        assert_eq!(family(&nested), Some("IPv4"));
        assert_eq!(
            family(&["255.255.255.255", "0.0.0.0/1", "128.0.0.0/1"]),
            Some("IPv4")
        );
        for partial in [
            &["0.0.0.0/1"][..],
            &["0.0.0.0/1", "192.0.0.0/2"],
            &["64.0.0.0/2", "128.0.0.0/1"],
            &["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4"],
            &["0.0.0.0/1", "::/1"],
            &["::/1", "8000::/2", "c000::/3", "e000::/4"],
            &["0.0.0.0/1", "255.255.255.255"],
            &[],
        ] {
            assert_eq!(family(partial), None, "{partial:?}");
        }
    }

    #[test]
    fn parses_peer_addresses() {
        assert_eq!(parse_address("1.2.3.4:5678"), Some(ip("1.2.3.4")));
        assert_eq!(parse_address("[::1]:80"), Some(ip("::1")));
        assert_eq!(parse_address("[::ffff:1.2.3.4]:80"), Some(ip("1.2.3.4")));
        assert_eq!(parse_address("::ffff:1.2.3.4"), Some(ip("1.2.3.4")));
        assert_eq!(parse_address(" 2001:db8::1 "), Some(ip("2001:db8::1")));
        for bad in [
            "",
            "1.2.3.4:99999",
            "[::1",
            "[::1]x",
            "1.2.3",
            "host:80",
            "1.2.3.4:",
        ] {
            assert_eq!(parse_address(bad), None, "{bad}");
        }
    }
}
