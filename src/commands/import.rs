//! `dhcpform import --device NAME [--write]`: read a device and print (or write) its
//! desired-state YAML.

use super::{Exit, Printer};
use crate::engine::ImportTarget;
use std::path::Path;

pub struct ImportArgs<'a> {
    pub dir: &'a Path,
    pub device: &'a str,
    pub write: bool,
    pub force: bool,
    pub profile: Option<&'a str>,
}

pub fn run(p: &Printer, a: ImportArgs) -> Result<Exit, miette::Report> {
    let ImportArgs {
        dir,
        device,
        write,
        force,
        profile,
    } = a;
    let (target, diags) = ImportTarget::load(dir, device, p.logger());
    let target = match target {
        Ok(t) => t,
        Err(e) => {
            p.diags(&diags);
            return Err(miette::Report::new(e));
        }
    };
    let profile = profile
        .map(|name| {
            target
                .profile(name)
                .map(|pr| (name.to_string(), pr.clone()))
        })
        .transpose()
        .map_err(miette::Report::new)?;
    let root = target.root().to_path_buf();
    let (path, display) = if write {
        target.writable_path().map_err(miette::Report::new)?
    } else {
        target.desired_path()
    };
    let (path, display) = (path.to_path_buf(), display.to_string());
    if write && !force && path.exists() {
        return Err(miette::miette!(
            help = "run without --write to print it and merge by hand, or add --force to \
                    replace the file",
            "{display} exists: import --write would overwrite it (its comments and `expect:` \
             checks would be lost)"
        ));
    }
    let platform = target.platform();
    if profile.is_some() && platform != crate::model::Platform::IosXe {
        return Err(miette::miette!(
            "--profile is for IOS XE pools; device {device} is {platform}"
        ));
    }
    let (kind, schema_name) = match platform {
        crate::model::Platform::IosXe => (crate::cli::SchemaKind::IosXe, "ios-xe"),
        crate::model::Platform::F5Xc => (crate::cli::SchemaKind::F5Xc, "f5-xc"),
    };
    let rt = super::runtime()?;
    let imported = rt.block_on(target.read()).map_err(miette::Report::new)?;
    // the $schema line resolves from the written file: schemas/ at the repository's root,
    // as many levels up as the file is deep
    // (written with --write when missing); printed, only when it is there to resolve
    let depth = display.matches('/').count();
    let schema = format!("{}schemas/{schema_name}.schema.json", "../".repeat(depth));
    let resolves = write
        || root
            .join(format!("schemas/{schema_name}.schema.json"))
            .exists();
    let schema_line = if resolves {
        format!("# yaml-language-server: $schema={schema}\n")
    } else {
        format!(
            "# editor completion: dhcpform schema {schema_name} > \
             schemas/{schema_name}.schema.json\n"
        )
    };
    let header = format!("{schema_line}# imported from device {device} by dhcpform import\n");
    let profile = profile.as_ref().map(|(n, pr)| (n.as_str(), pr));
    let text = match imported {
        crate::platform::Imported::IosXe(config) => {
            crate::config::manifest::write::render_with(&config, &header, profile)
        }
        crate::platform::Imported::F5Xc(ifaces) => {
            let mut text = header;
            crate::config::manifest::write::render_interfaces(&mut text, &ifaces);
            text
        }
    };
    if !write {
        p.out(&text);
        return Ok(Exit::Ok);
    }
    crate::engine::write_atomic(&path, &text)
        .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
    p.err(&format!("wrote {display}"));
    let schema_file = root.join(format!("schemas/{schema_name}.schema.json"));
    if !schema_file.exists() {
        let json = crate::schema::json(kind);
        std::fs::create_dir_all(root.join("schemas"))
            .and_then(|_| std::fs::write(&schema_file, format!("{json}\n")))
            .map_err(|e| miette::miette!("cannot write {}: {e}", schema_file.display()))?;
        p.err(&format!(
            "wrote schemas/{schema_name}.schema.json (editor completion for desired files)"
        ));
    }
    Ok(Exit::Ok)
}
