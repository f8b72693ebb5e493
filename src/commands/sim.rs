//! `dhcpform sim serve`: run the emulator until interrupted.

use super::{Exit, Printer};
use crate::cli::{SimApi, SimQuirk, SimServe};
use crate::sim::{Apis, Faults, Persist, Quirks, SimOptions, TlsFiles};

pub fn run(p: &Printer, args: &SimServe) -> Result<Exit, miette::Report> {
    let opts = SimOptions {
        user: args.user.clone(),
        password: args.password.clone(),
        api_token: args.api_token.clone(),
        faults: Faults {
            latency_ms: args.latency,
            fault_rate: args.fault_rate,
            retry_after: 1,
            fail_write: args.fail_write,
            lose_answer: args.lose_answer,
            ..Faults::default()
        },
        quirks: Quirks {
            token_201: args.quirks.contains(&SimQuirk::Token201),
            none_values: args.quirks.contains(&SimQuirk::NoneValues),
            unconfigured_404: args.quirks.contains(&SimQuirk::Unconfigured404),
            restconf_empty_404: args.quirks.contains(&SimQuirk::RestconfEmpty404),
            no_resource_version: args.quirks.contains(&SimQuirk::NoResourceVersion),
        },
        tls: match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        },
        fleet: args.fleet,
        apis: match args.api {
            SimApi::Both => Apis::default(),
            SimApi::Rest => Apis {
                rest: true,
                restconf: false,
            },
            SimApi::Restconf => Apis {
                rest: false,
                restconf: true,
            },
        },
        persist: args.state.clone().map(Persist::File).unwrap_or_default(),
    };
    let fleet = args.fleet.is_some();
    let rt = super::runtime()?;
    rt.block_on(crate::sim::serve_until_interrupted(
        opts,
        args.listen,
        &mut |url| {
            p.outln(&format!("dhcpform sim listening on {url}"));
            if fleet {
                p.outln(&format!("fleet devices: {url}/devices/<name>"));
            }
        },
    ))
    .map_err(|e| miette::miette!("{e}"))?;
    Ok(Exit::Ok)
}
