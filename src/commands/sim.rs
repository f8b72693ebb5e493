//! `dhcpform sim serve`: run the emulator until interrupted.

use super::Exit;
use crate::cli::SimServe;
use crate::sim::{Faults, Persist, Sim, SimOptions};

pub fn run(args: &SimServe) -> Result<Exit, miette::Report> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let opts = SimOptions {
            user: args.user.clone(),
            password: args.password.clone(),
            api_token: args.api_token.clone(),
            faults: Faults {
                latency_ms: args.latency,
                fault_rate: args.fault_rate.clamp(0.0, 1.0),
                retry_after: 1,
                fail_write: args.fail_write,
                lose_answer: args.lose_answer,
                seed: None,
            },
            fleet: args.fleet,
            persist: args.state.clone().map(Persist::File).unwrap_or_default(),
        };
        let sim = Sim::new(opts).map_err(|e| miette::miette!("{e}"))?;
        let handle = sim
            .start(args.listen)
            .await
            .map_err(|e| miette::miette!("{e}"))?;
        super::outln!("dhcpform sim listening on {}", handle.url());
        if args.fleet.is_some() {
            super::outln!("fleet devices: {}/devices/<name>", handle.url());
        }
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
        Ok(Exit::Ok)
    })
}
