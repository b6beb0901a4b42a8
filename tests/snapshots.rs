//! Whole bundles of every built-in preset, as insta snapshots (review changes with
//! `cargo insta review`, or `INSTA_UPDATE=always cargo test --test snapshots` and `git diff`).

use zerodown::preset::Preset;
use zerodown::spec::Answers;
use zerodown::{policy, render};

#[test]
fn every_preset_bundle() {
    for preset in Preset::all_builtin() {
        let spec = Answers {
            name: Some("app".into()),
            namespace: Some("team".into()),
            image: Some("registry.example.com/team/app:1.0.0".into()),
            ..Answers::default()
        }
        .resolve(&preset, &mut vec![])
        .unwrap();
        let plan = policy::plan(&spec, &preset);
        let bundle = render::bundle(&spec, &plan).unwrap();
        let mut text = String::new();
        for f in &bundle.files {
            if f.path == zerodown::specfile::SCHEMA_FILE {
                // `zerodown schema` itself, kept in sync with schema/ by tests/ecosystem.rs.
                assert_eq!(
                    f.contents,
                    render::with_header_style(
                        zerodown::specfile::schema_json(),
                        render::Header::JsonComment
                    )
                );
                text.push_str(&format!(
                    "===== {} ===== (the spec's JSON schema)\n",
                    f.path
                ));
                continue;
            }
            text.push_str(&format!("===== {} =====\n{}", f.path, f.contents));
        }
        insta::assert_snapshot!(format!("bundle-{}", preset.name), text);
    }
}
