//! The audited set as a whole: typed views of every object plus the cross-object relations
//! (Service → pods, PDB → pods, HPA → workload), computed once through hash indexes keyed by
//! namespace and label so that matching stays linear in the number of objects rather than
//! quadratic.

use super::model::{Finding, Hpa, LabelSelector, Object, Op, Pdb, Service, Workload};
use super::parse::{locate, Step};
use super::rules::rule_doc;
use super::Source;
use std::collections::{HashMap, HashSet};

/// Label index over workloads (pod template labels), per namespace.
#[derive(Debug, Default)]
pub(crate) struct Index<'a> {
    by_ns: HashMap<&'a str, Vec<usize>>,
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
    by_key: HashMap<(&'a str, &'a str), Vec<usize>>,
    by_name: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

static EMPTY: Vec<usize> = Vec::new();

impl<'a> Index<'a> {
    fn build(workloads: &'a [Workload<'a>]) -> Self {
        let mut ix = Index::default();
        for (i, w) in workloads.iter().enumerate() {
            let ns = w.obj.namespace.as_str();
            ix.by_ns.entry(ns).or_default().push(i);
            ix.by_name
                .entry((ns, w.obj.kind.as_str(), w.obj.name.as_str()))
                .or_default()
                .push(i);
            for (k, v) in &w.pod_labels {
                ix.by_label
                    .entry((ns, k.as_str(), v.as_str()))
                    .or_default()
                    .push(i);
                ix.by_key.entry((ns, k.as_str())).or_default().push(i);
            }
        }
        ix
    }

    /// Workloads of a namespace.
    pub fn in_namespace(&self, ns: &str) -> &[usize] {
        self.by_ns.get(ns).map_or(&EMPTY[..], Vec::as_slice)
    }

    /// Workload by namespace, kind and name. The same workload can be in several files (one per
    /// cluster or environment: `deploy/prod/`, `deploy/staging/`); then the one in `source`, the
    /// file of the object that names it, else the first.
    pub fn by_name(
        &self,
        workloads: &[Workload<'_>],
        ns: &str,
        kind: &str,
        name: &str,
        source: usize,
    ) -> Option<usize> {
        let found = self.by_name.get(&(ns, kind, name))?;
        found
            .iter()
            .copied()
            .find(|&w| workloads[w].obj.source == source)
            .or_else(|| found.first().copied())
    }

    /// Workloads in `ns` whose pod labels match `sel`, using the smallest candidate list.
    pub fn select(&self, workloads: &[Workload<'_>], ns: &str, sel: &LabelSelector) -> Vec<usize> {
        let mut best: Option<Vec<usize>> = None;
        let mut consider = |cands: Vec<usize>| {
            if best.as_ref().is_none_or(|b| cands.len() < b.len()) {
                best = Some(cands);
            }
        };
        for (k, v) in &sel.match_labels {
            consider(
                self.by_label
                    .get(&(ns, k.as_str(), v.as_str()))
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        for r in &sel.exprs {
            match r.op {
                Op::Exists => consider(
                    self.by_key
                        .get(&(ns, r.key.as_str()))
                        .cloned()
                        .unwrap_or_default(),
                ),
                Op::In => {
                    let mut c: Vec<usize> = r
                        .values
                        .iter()
                        .flat_map(|v| {
                            self.by_label
                                .get(&(ns, r.key.as_str(), v.as_str()))
                                .into_iter()
                                .flatten()
                                .copied()
                        })
                        .collect();
                    c.sort_unstable();
                    c.dedup();
                    consider(c);
                }
                Op::Unknown => consider(Vec::new()),
                _ => {}
            }
        }
        let cands = best.unwrap_or_else(|| self.in_namespace(ns).to_vec());
        cands
            .into_iter()
            .filter(|&i| sel.matches(&workloads[i].pod_labels))
            .collect()
    }
}

/// Everything a rule may look at.
pub(crate) struct Ctx<'a> {
    pub sources: &'a [Source],
    pub objects: &'a [Object],
    pub workloads: &'a [Workload<'a>],
    pub services: &'a [Service<'a>],
    pub pdbs: &'a [Pdb<'a>],
    pub hpas: &'a [Hpa<'a>],
    /// Per workload: Services selecting its pods.
    pub services_of: Vec<Vec<usize>>,
    /// Per workload: PDBs selecting its pods.
    pub pdbs_of: Vec<Vec<usize>>,
    /// Per workload: HPAs targeting it.
    pub hpas_of: Vec<Vec<usize>>,
    /// Per Service: workloads it selects.
    pub workloads_of_service: Vec<Vec<usize>>,
    /// Per PDB: workloads it selects.
    pub workloads_of_pdb: Vec<Vec<usize>>,
    /// Per HPA: the target workload, when it is in the audited set.
    pub target_of_hpa: Vec<Option<usize>>,
    /// Namespaces that contain at least one audited workload.
    pub namespaces_with_workloads: HashSet<&'a str>,
}

/// Typed views of the audited objects, owned separately so [`Ctx`] can borrow them.
pub(crate) struct Views<'a> {
    pub workloads: Vec<Workload<'a>>,
    pub services: Vec<Service<'a>>,
    pub pdbs: Vec<Pdb<'a>>,
    pub hpas: Vec<Hpa<'a>>,
}

impl<'a> Views<'a> {
    pub fn build(objects: &'a [Object]) -> Self {
        let mut v = Views {
            workloads: Vec::new(),
            services: Vec::new(),
            pdbs: Vec::new(),
            hpas: Vec::new(),
        };
        for (i, o) in objects.iter().enumerate() {
            match o.kind.as_str() {
                "Service" => v.services.push(Service::from_object(i, o)),
                "PodDisruptionBudget" => v.pdbs.push(Pdb::from_object(i, o)),
                "HorizontalPodAutoscaler" => v.hpas.push(Hpa::from_object(i, o)),
                "ScaledObject" if o.api_version.starts_with("keda.sh/") => {
                    v.hpas.push(Hpa::from_scaled_object(i, o))
                }
                _ => v.workloads.extend(Workload::from_object(i, o)),
            }
        }
        v
    }
}

impl<'a> Ctx<'a> {
    pub fn new(sources: &'a [Source], objects: &'a [Object], views: &'a Views<'a>) -> Self {
        let workloads = &views.workloads[..];
        let index = Index::build(workloads);
        let n = workloads.len();
        let mut services_of = vec![Vec::new(); n];
        let mut pdbs_of = vec![Vec::new(); n];
        let mut hpas_of = vec![Vec::new(); n];
        let mut workloads_of_service = Vec::with_capacity(views.services.len());
        for (si, s) in views.services.iter().enumerate() {
            let ws = match &s.selector {
                Some(sel) => index.select(workloads, &s.obj.namespace, sel),
                None => Vec::new(),
            };
            for &w in &ws {
                services_of[w].push(si);
            }
            workloads_of_service.push(ws);
        }
        let mut workloads_of_pdb = Vec::with_capacity(views.pdbs.len());
        for (pi, p) in views.pdbs.iter().enumerate() {
            let ws = match &p.selector {
                Some(sel) => index.select(workloads, &p.obj.namespace, sel),
                None => Vec::new(),
            };
            for &w in &ws {
                pdbs_of[w].push(pi);
            }
            workloads_of_pdb.push(ws);
        }
        let mut target_of_hpa = Vec::with_capacity(views.hpas.len());
        for (hi, h) in views.hpas.iter().enumerate() {
            let t = index.by_name(
                workloads,
                &h.obj.namespace,
                h.target_kind,
                h.target_name,
                h.obj.source,
            );
            if let Some(w) = t {
                hpas_of[w].push(hi);
            }
            target_of_hpa.push(t);
        }
        // A copy of a workload in a file without its HPA (the Deployment alone next to its whole
        // bundle) is scaled by the HPA of the same name elsewhere: the first one.
        let mut first_hpa_for: HashMap<(&str, &str, &str), usize> = HashMap::new();
        for (hi, h) in views.hpas.iter().enumerate() {
            first_hpa_for
                .entry((h.obj.namespace.as_str(), h.target_kind, h.target_name))
                .or_insert(hi);
        }
        for (w, hpas) in hpas_of.iter_mut().enumerate() {
            let o = &workloads[w].obj;
            let key = (o.namespace.as_str(), o.kind.as_str(), o.name.as_str());
            if let (true, Some(&hi)) = (hpas.is_empty(), first_hpa_for.get(&key)) {
                hpas.push(hi);
            }
        }
        let namespaces_with_workloads =
            workloads.iter().map(|w| w.obj.namespace.as_str()).collect();
        Ctx {
            sources,
            objects,
            workloads,
            services: &views.services,
            pdbs: &views.pdbs,
            hpas: &views.hpas,
            services_of,
            pdbs_of,
            hpas_of,
            workloads_of_service,
            workloads_of_pdb,
            target_of_hpa,
            namespaces_with_workloads,
        }
    }

    /// A finding of `rule` on object `idx` with the rule's default severity and fix, located at
    /// the object's first line.
    pub fn finding(&self, rule: &'static str, idx: usize) -> Finding {
        let obj = &self.objects[idx];
        let doc = rule_doc(rule);
        Finding {
            rule,
            severity: doc.map_or(super::Severity::Warning, |d| d.severity),
            message: String::new(),
            fix: doc.map_or_else(String::new, |d| d.fix.to_string()),
            file: self.sources[obj.source].name.clone(),
            line: obj.line,
            object_line: obj.line,
            kind: obj.kind.clone(),
            namespace: obj.namespace.clone(),
            name: obj.name.clone(),
            container: None,
            suppressed: None,
            baselined: false,
            object: idx,
        }
    }

    /// Best-effort line of a field of object `idx` (0 when not found).
    pub fn line(&self, idx: usize, steps: &[Step<'_>]) -> usize {
        let obj = &self.objects[idx];
        let text = &self.sources[obj.source].text[obj.text.0..obj.text.1];
        locate(text, obj.text_line, steps).unwrap_or(0)
    }

    /// Line of a container field (`field` empty: the container's `- name:` line).
    pub fn container_line(
        &self,
        w: &Workload<'_>,
        c: &super::model::Container<'_>,
        field: &[&str],
    ) -> usize {
        let mut steps: Vec<Step<'_>> = w.pod_spec_path().iter().map(|k| Step::Key(k)).collect();
        steps.push(Step::Key(c.list_key()));
        steps.push(Step::Item(c.name));
        steps.extend(field.iter().map(|k| Step::Key(k)));
        self.line(w.idx, &steps)
    }

    /// Line of a pod-spec field.
    pub fn pod_line(&self, w: &Workload<'_>, field: &[&str]) -> usize {
        let mut steps: Vec<Step<'_>> = w.pod_spec_path().iter().map(|k| Step::Key(k)).collect();
        steps.extend(field.iter().map(|k| Step::Key(k)));
        self.line(w.idx, &steps)
    }

    /// Line of a top-level path such as `["spec", "replicas"]`.
    pub fn path_line(&self, idx: usize, path: &[&str]) -> usize {
        let steps: Vec<Step<'_>> = path.iter().map(|k| Step::Key(k)).collect();
        self.line(idx, &steps)
    }

    /// The first HPA targeting workload `w`, if any.
    pub fn hpa_of(&self, w: usize) -> Option<&Hpa<'a>> {
        self.hpas_of[w].first().map(|&h| &self.hpas[h])
    }

    /// The lowest replica count workload `w` can run at: `min(spec.replicas, HPA minReplicas)`
    /// with an HPA, `spec.replicas` (default 1) without. `None` for DaemonSets (one per node).
    pub fn lowest_replicas(&self, w: usize) -> Option<i64> {
        let wl = &self.workloads[w];
        match wl.kind {
            super::model::WorkloadKind::DaemonSet => None,
            super::model::WorkloadKind::Pod => Some(1),
            _ => Some(match self.hpa_of(w) {
                Some(h) => wl.spec_replicas.map_or(h.min, |r| r.min(h.min)),
                None => wl.spec_replicas.unwrap_or(1),
            }),
        }
    }

    /// The replica count a rollout works with: `spec.replicas`, else HPA `minReplicas`, else 1.
    pub fn declared_replicas(&self, w: usize) -> i64 {
        let wl = &self.workloads[w];
        wl.spec_replicas
            .or_else(|| self.hpa_of(w).map(|h| h.min))
            .unwrap_or(1)
    }

    /// The highest replica count: HPA `maxReplicas` when autoscaled, else `spec.replicas` (1).
    pub fn highest_replicas(&self, w: usize) -> i64 {
        let wl = &self.workloads[w];
        match self.hpa_of(w) {
            Some(h) => h.max.unwrap_or(h.min).max(wl.spec_replicas.unwrap_or(0)),
            None => wl.spec_replicas.unwrap_or(1),
        }
    }
}
