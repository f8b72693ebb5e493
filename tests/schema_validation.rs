//! JSON outputs and example files checked against the committed JSON Schemas with a JSON
//! Schema validator, not only for their keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use serde_json::{Value, json};
use std::path::Path;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{name}.schema.json"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&v).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

/// A plan with every kind of change, a gate, a note, an unmanageable pool and a warning.
fn rich_plan_repo() -> (TestSim, Repo) {
    let sim = TestSim::fleet(4);
    sim.handle.sim.set_quirks(dhcpform::sim::Quirks {
        unconfigured_404: true,
        ..Default::default()
    });
    sim.seed("core", common::scenario_seed());
    let mut seed = common::scenario_seed();
    seed["pools"]
        .as_array_mut()
        .unwrap()
        .push(json!({"poolName": "opts", "options": {"domain-name": "x.example"}}));
    sim.seed("edge", seed);
    let repo = Repo::ios(
        &[
            ("core", &sim.url("core")),
            ("edge", &sim.url("edge")),
            ("empty", &sim.url("empty")),
        ],
        "",
    );
    repo.desired("core", common::SCENARIO_DESIRED);
    repo.desired("edge", common::SCENARIO_DESIRED);
    repo.desired("empty", common::SCENARIO_DESIRED);
    let inv = std::fs::read_to_string(repo.file("dhcpform.yaml")).unwrap();
    repo.write(
        "dhcpform.yaml",
        &inv.replacen(
            "    auth:",
            "    protected-pools: [cam, nowhere]\n    auth:",
            1,
        ),
    );
    (sim, repo)
}

#[test]
fn plan_json_output_and_saved_plans_follow_the_plan_schema() {
    let (_sim, repo) = rich_plan_repo();
    let validator = schema("plan");
    let r = run(&["plan", "--format", "json"], repo.path());
    let printed: Value = serde_json::from_str(&r.stdout).unwrap();
    let text = serde_json::to_string(&printed).unwrap();
    for needle in [
        "\"gates\":[{",
        "\"notes\":[",
        "\"unmanageable\":[",
        "\"warnings\":[",
    ] {
        assert!(
            text.contains(needle),
            "the plan exercises {needle}: {}",
            r.stdout
        );
    }
    assert_valid(&validator, &printed, "plan --format json");
    let out = repo.file("plan.json");
    run(&["plan", "--out", out.to_str().unwrap()], repo.path());
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_valid(&validator, &saved, "plan --out");
}

#[test]
fn the_validator_is_not_vacuous() {
    let (_sim, repo) = rich_plan_repo();
    let r = run(&["plan", "--format", "json"], repo.path());
    let mut plan: Value = serde_json::from_str(&r.stdout).unwrap();
    let validator = schema("plan");
    let op = plan["devices"][0]["operations"][0].as_object_mut().unwrap();
    op.insert("method".into(), json!("TRACE"));
    assert!(
        !validator.is_valid(&plan),
        "an unknown method must fail the schema"
    );
    let mut plan: Value = serde_json::from_str(&r.stdout).unwrap();
    plan.as_object_mut().unwrap().remove("checksum");
    assert!(!validator.is_valid(&plan), "the checksum is required");
}

#[test]
fn example_files_follow_their_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let inventory = schema("inventory");
    let (ios, f5) = (schema("ios-xe"), schema("f5-xc"));
    let mut checked = 0;
    for repo in ["acme", "quickstart", "fleet"] {
        let dir = root.join(repo);
        let inv_text = std::fs::read_to_string(dir.join("dhcpform.yaml")).unwrap();
        let inv: Value = serde_saphyr::from_str(&inv_text).unwrap();
        assert_valid(&inventory, &inv, &format!("{repo}/dhcpform.yaml"));
        for (name, dev) in inv["devices"].as_object().unwrap() {
            let file = dir.join(format!("devices/{name}.yaml"));
            let v: Value = serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or(Value::Null);
            let v = if v.is_null() { json!({}) } else { v };
            let validator = if dev["platform"] == "f5-xc" {
                &f5
            } else {
                &ios
            };
            assert_valid(validator, &v, &file.display().to_string());
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked} device files");
}
