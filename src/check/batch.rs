//! Bounded memory on large inputs: parsed objects are frozen to compact JSON as they are read,
//! and the rules then run one group of related namespaces at a time, each group thawed, checked
//! and dropped, so that only the text, the frozen bytes and one group's parsed values are held.
//!
//! Every relation the rules follow is between objects of one namespace (Service, PDB, HPA and
//! ScaledObject to workloads, duplicate names), so checking namespace by namespace gives exactly
//! the findings of one pass over everything. A field that names another namespace (any
//! `namespace` key below the object's own metadata: Gateway API `parentRefs` / `backendRefs`,
//! ReferenceGrants) joins the two namespaces into one group, so a rule that follows such a
//! reference still sees both ends.
//!
//! Measured on 100,000 documents (README, Performance): a `serde_json::Value` takes about six
//! times its YAML text (every map is a B-tree node of eleven slots), a frozen one about 0.7.

use super::index::{Ctx, Views};
use super::model::{Finding, Object};
use super::{argo, live, rules, suppress, Source};
use serde_json::Value;
use std::collections::HashMap;

/// Records the namespaces each of `objects` names besides its own in `links` and, when `freeze`,
/// freezes them (their `value` becomes `Null`, the JSON is kept in `frozen`).
pub(crate) fn link_and_freeze(
    objects: &mut [Object],
    links: &mut Vec<(String, String)>,
    parallel: bool,
    freeze: bool,
) {
    let one = |o: &mut Object| -> Vec<(String, String)> {
        let mut named = Vec::new();
        if let Value::Object(m) = &o.value {
            for (k, v) in m {
                if k != "metadata" {
                    namespaces_named(v, &mut named);
                }
            }
        }
        if freeze {
            let value = std::mem::take(&mut o.value);
            // A Value always serializes (string keys, finite numbers).
            o.frozen = serde_json::to_vec(&value).ok().map(Vec::into_boxed_slice);
        }
        named
            .into_iter()
            .filter(|ns| *ns != o.namespace)
            .map(|ns| (o.namespace.clone(), ns))
            .collect()
    };
    let found: Vec<Vec<(String, String)>> = if parallel {
        use rayon::prelude::*;
        objects.par_iter_mut().map(one).collect()
    } else {
        objects.iter_mut().map(one).collect()
    };
    links.extend(found.into_iter().flatten());
}

/// Every non-empty string under a `namespace` key in `v`.
fn namespaces_named(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("namespace", Value::String(s)) if !s.is_empty() => out.push(s.clone()),
                    _ => namespaces_named(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| namespaces_named(x, out)),
        _ => {}
    }
}

/// The object with its value thawed.
fn thaw(o: &Object) -> Object {
    let value = o
        .frozen
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_else(|| o.value.clone());
    Object {
        value,
        frozen: None,
        kind: o.kind.clone(),
        api_version: o.api_version.clone(),
        name: o.name.clone(),
        namespace: o.namespace.clone(),
        ..*o
    }
}

/// Groups of object indices whose namespaces are related (each namespace with the ones its
/// objects name), in order of their first object.
fn partition(objects: &[Object], links: &[(String, String)]) -> Vec<Vec<usize>> {
    let mut id: HashMap<&str, usize> = HashMap::new();
    for o in objects {
        let n = id.len();
        id.entry(o.namespace.as_str()).or_insert(n);
    }
    let mut parent: Vec<usize> = (0..id.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for (a, b) in links {
        if let (Some(&a), Some(&b)) = (id.get(a.as_str()), id.get(b.as_str())) {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let r = root(&mut parent, id[o.namespace.as_str()]);
        let g = *group_of_root.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}

/// Runs every rule and the suppressions over `objects`, one group of related namespaces at a
/// time (on all cores when `parallel`); finding indices refer to `objects`.
pub(crate) fn check(
    sources: &[Source],
    objects: &[Object],
    links: &[(String, String)],
    parallel: bool,
    today: super::day::Day,
) -> Vec<Finding> {
    let run = |group: &Vec<usize>| -> Vec<Finding> {
        let mut objs: Vec<Object> = group.iter().map(|&i| thaw(&objects[i])).collect();
        argo::resolve_workload_refs(&mut objs);
        live::settle_replicas(&mut objs);
        let views = Views::build(&objs);
        let ctx = Ctx::new(sources, &objs, &views);
        let mut findings = rules::run_all(&ctx);
        suppress::apply(&ctx, &mut findings, today);
        for f in &mut findings {
            f.object = group[f.object];
        }
        findings
    };
    let groups = partition(objects, links);
    if parallel {
        use rayon::prelude::*;
        groups.par_iter().flat_map_iter(run).collect()
    } else {
        groups.iter().flat_map(run).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::day::Day;
    use crate::check::parse::parse_sources;

    /// Apps in 12 namespaces with faults of every kind of relation (an HPA on the wrong target,
    /// a Service selecting nothing, replicas beside an HPA, a suppression) and a ScaledObject whose
    /// trigger names another namespace.
    fn corpus() -> Vec<Source> {
        let mut files = Vec::new();
        for f in 0..3 {
            let mut text = String::new();
            for i in 0..40 {
                let ns = format!("ns-{}", (i + f) % 12);
                let replicas = if i % 5 == 0 { "\n  replicas: 1" } else { "" };
                let probe = if i % 3 == 0 {
                    ""
                } else {
                    "\n        readinessProbe: {httpGet: {path: /, port: 80}}"
                };
                let sel = if i % 7 == 0 { "other" } else { "app" };
                text.push_str(&format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: {ns}\n  annotations:\n    ignore-check.zerodown.dev/liveness-probe-missing: \"by design\"\nspec:{replicas}\n  selector: {{matchLabels: {{app: a{i}}}}}\n  template:\n    metadata: {{labels: {{app: a{i}}}}}\n    spec:\n      containers:\n      - name: app\n        image: r/app:latest{probe}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: app-{i}, namespace: {ns}}}\nspec:\n  selector: {{{sel}: a{i}}}\n  ports: [{{port: 80}}]\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: app-{i}, namespace: {ns}}}\nspec:\n  minAvailable: 1\n  selector: {{matchLabels: {{app: a{i}}}}}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: app-{i}, namespace: {ns}}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app-{}}}\n  minReplicas: 2\n  maxReplicas: 4\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: so{i}, namespace: {ns}}}\nspec:\n  scaleTargetRef: {{name: job-{i}}}\n  triggers: [{{type: prometheus, metadata: {{namespace: ns-{}, query: up}}}}]\n---\n",
                    if i % 11 == 0 { i + 1 } else { i },
                    (i + 5) % 12
                ));
            }
            files.push(Source::new(format!("f{f}.yaml"), text));
        }
        files
    }

    #[test]
    fn namespace_by_namespace_on_all_cores_gives_what_one_pass_over_everything_gives() {
        let sources = corpus();
        let parsed = parse_sources(&sources);
        assert_eq!(parsed.objects.len(), 3 * 40 * 5);
        let no_links: Vec<(String, String)> = Vec::new();
        assert_eq!(partition(&parsed.objects, &no_links).len(), 12);
        let all_in_one: Vec<(String, String)> = parsed
            .objects
            .iter()
            .map(|o| ("ns-0".to_string(), o.namespace.clone()))
            .collect();
        assert_eq!(partition(&parsed.objects, &all_in_one).len(), 1);
        let one_pass = check(
            &sources,
            &parsed.objects,
            &all_in_one,
            false,
            Day::from_unix_days(20_000),
        );
        let mut grouped = check(
            &sources,
            &parsed.objects,
            &no_links,
            true,
            Day::from_unix_days(20_000),
        );
        assert!(one_pass.len() > 300, "{}", one_pass.len());
        let key = |f: &Finding| (f.object, f.rule, f.line, f.message.clone());
        let mut one_pass = one_pass;
        one_pass.sort_by_key(key);
        grouped.sort_by_key(key);
        assert_eq!(grouped, one_pass);
        assert!(grouped.iter().any(|f| f.suppressed.is_some()));
        assert!(grouped.iter().any(|f| f.rule == "hpa-replicas-conflict"));
    }

    #[test]
    fn a_reference_to_another_namespace_joins_the_two() {
        let parsed = parse_sources(&corpus());
        let groups = partition(&parsed.objects, &parsed.links);
        // ns-k routes to ns-(k+5) mod 12 and 5 is prime to 12: every namespace is joined.
        assert_eq!(groups.len(), 1);
        let none: Vec<(String, String)> = Vec::new();
        assert_eq!(partition(&parsed.objects, &none).len(), 12);
    }
}
