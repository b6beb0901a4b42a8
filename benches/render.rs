//! Spec -> files for one spec (the work of `zerodown new` minus process start and disk), and the
//! policy alone. Run: `cargo bench --bench render`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use zerodown::preset::Preset;
use zerodown::spec::{Answers, Traffic};
use zerodown::{policy, render};

fn bench(c: &mut Criterion) {
    let preset = Preset::builtin("spring-boot").unwrap();
    let spec = Answers {
        name: Some("checkout".into()),
        namespace: Some("shop".into()),
        image: Some("registry.example.com/shop/checkout:1.4.2".into()),
        startup_seconds: Some(45),
        max_startup_seconds: Some(120),
        traffic: Some(Traffic::Spiky),
        ..Answers::default()
    }
    .resolve(&preset, &mut vec![])
    .unwrap();
    c.bench_function("policy: spec -> plan", |b| {
        b.iter(|| policy::plan(black_box(&spec), &preset))
    });
    c.bench_function("spec -> bundle files (verified)", |b| {
        b.iter(|| {
            let plan = policy::plan(black_box(&spec), &preset);
            render::bundle(&spec, &plan).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
