{{/*
Helpers of a chart written by zerodown. Every tuned value comes from values.yaml; these helpers
only name objects, build the standard app.kubernetes.io labels and refuse settings that cause
downtime.
*/}}

{{/*
The app name: nameOverride, or the chart name (the service the chart was rendered for).
*/}}
{{- define "zerodown.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Object names: fullnameOverride (the service name by default, as in the plain bundle), or Helm's
usual <release>-<name> when it is set to "".
*/}}
{{- define "zerodown.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "zerodown.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The container image: repository[:tag][@digest].
*/}}
{{- define "zerodown.image" -}}
{{- .Values.image.repository }}
{{- with .Values.image.tag }}:{{ . }}{{ end }}
{{- with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{/*
The app.kubernetes.io/version label: the image tag (so `--set image.tag=...` keeps it true), or
the first 12 hex digits of the digest; cut to the 63 characters a label value may have.
*/}}
{{- define "zerodown.version" -}}
{{- if .Values.image.tag }}
{{- .Values.image.tag | trunc 63 | trimAll "-_." }}
{{- else if .Values.image.digest }}
{{- regexReplaceAll "^[a-z0-9]+:" .Values.image.digest "" | trunc 12 }}
{{- end }}
{{- end }}

{{/*
Selector labels: name and instance only. A Deployment's selector cannot change after creation,
so it holds nothing that changes between releases.
*/}}
{{- define "zerodown.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zerodown.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{/*
Pod labels: the standard labels without helm.sh/chart, so a new chart version alone does not
restart every pod.
*/}}
{{- define "zerodown.podLabels" -}}
{{ include "zerodown.commonLabels" . }}
{{- with include "zerodown.version" . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
{{- end }}

{{/*
The standard labels every object carries, without the version (a version bump changes the pod
template alone, as in the plain bundle) and without helm.sh/chart.
*/}}
{{- define "zerodown.commonLabels" -}}
{{ include "zerodown.selectorLabels" . }}
{{- with .Values.component }}
app.kubernetes.io/component: {{ . | quote }}
{{- end }}
{{- with .Values.partOf }}
app.kubernetes.io/part-of: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "zerodown.labels" -}}
helm.sh/chart: {{ include "zerodown.chart" . | quote }}
{{ include "zerodown.commonLabels" . }}
{{- end }}

{{/*
The ServiceAccount the pods run as.
*/}}
{{- define "zerodown.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "zerodown.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
"true" when an int-or-percent value (maxSurge, maxUnavailable) is 0 or 0%.
*/}}
{{- define "zerodown.isZero" -}}
{{- eq (toString . | trimSuffix "%" | atoi) 0 }}
{{- end }}

{{/*
Seconds to give `helm upgrade --wait`: progressDeadlineSeconds, so Kubernetes declares a stuck
rollout failed first, plus a healthy rollout of the most pods the Deployment can run (the HPA
maximum) in steps of maxSurge pods, each taking the typical startup (the startup probe's
initialDelaySeconds) + minReadySeconds; rounded up to 30 s.
*/}}
{{- define "zerodown.helmTimeoutSeconds" -}}
{{- $pods := .Values.replicaCount | int }}
{{- if .Values.keda.enabled }}
{{- $pods = .Values.keda.maxReplicaCount | int }}
{{- else if .Values.autoscaling.enabled }}
{{- $pods = .Values.autoscaling.maxReplicas | int }}
{{- end }}
{{- $surge := toString .Values.strategy.maxSurge }}
{{- $step := 1 }}
{{- if hasSuffix "%" $surge }}
{{- $step = div (add (mul $pods (trimSuffix "%" $surge | atoi)) 99) 100 }}
{{- else }}
{{- $step = atoi $surge }}
{{- end }}
{{- $step = max $step 1 }}
{{- $steps := div (add $pods (sub $step 1)) $step }}
{{- $perStep := add (.Values.probes.startup.initialDelaySeconds | int) (.Values.minReadySeconds | int) }}
{{- $total := add (.Values.progressDeadlineSeconds | int) (mul $steps $perStep) }}
{{- mul (div (add $total 29) 30) 30 }}
{{- end }}

{{/*
Guard rails: refuse to render settings that take the service down or block the cluster, with a
message that says why and what to set instead. values.schema.json has already checked each
value's type and range; these rules look across values.
*/}}
{{- define "zerodown.guardRails" -}}
{{- $pdb := .Values.podDisruptionBudget }}
{{- $as := .Values.autoscaling }}
{{- if and $pdb.enabled (lt (.Values.replicaCount | int) 2) }}
{{- fail (printf "zerodown guard: replicaCount is %d with podDisruptionBudget.enabled: a node drain can evict the only pod and take the service down; set replicaCount to 2 or more" (.Values.replicaCount | int)) }}
{{- end }}
{{- if and $pdb.enabled $as.enabled (lt ($as.minReplicas | int) 2) }}
{{- fail (printf "zerodown guard: autoscaling.minReplicas is %d with podDisruptionBudget.enabled: a node drain can evict the only pod and take the service down; set autoscaling.minReplicas to 2 or more" ($as.minReplicas | int)) }}
{{- end }}
{{- if and $pdb.enabled (eq (include "zerodown.isZero" $pdb.maxUnavailable) "true") }}
{{- fail (printf "zerodown guard: podDisruptionBudget.maxUnavailable is %v: a budget that allows no disruption blocks every node drain and cluster upgrade; set it to 1" $pdb.maxUnavailable) }}
{{- end }}
{{- if and (eq (include "zerodown.isZero" .Values.strategy.maxSurge) "true") (eq (include "zerodown.isZero" .Values.strategy.maxUnavailable) "true") }}
{{- fail "zerodown guard: strategy.maxSurge and strategy.maxUnavailable are both 0: the rollout can neither add nor remove a pod and never progresses; set strategy.maxSurge to 1 (and keep maxUnavailable 0 so capacity never drops)" }}
{{- end }}
{{- $keda := .Values.keda }}
{{- if and $keda.enabled $as.enabled }}
{{- fail "zerodown guard: keda.enabled and autoscaling.enabled are both true: KEDA makes its own HPA for the Deployment, and two HPAs fight over its scale; set autoscaling.enabled=false" }}
{{- end }}
{{- if and $pdb.enabled $keda.enabled (lt ($keda.minReplicaCount | int) 2) }}
{{- fail (printf "zerodown guard: keda.minReplicaCount is %d with podDisruptionBudget.enabled: a node drain can evict the only pod (or there is none to take work); set keda.minReplicaCount to 2 or more" ($keda.minReplicaCount | int)) }}
{{- end }}
{{- if and $keda.enabled (gt ($keda.minReplicaCount | int) ($keda.maxReplicaCount | int)) }}
{{- fail (printf "zerodown guard: keda.minReplicaCount (%d) is above keda.maxReplicaCount (%d); raise maxReplicaCount" ($keda.minReplicaCount | int) ($keda.maxReplicaCount | int)) }}
{{- end }}
{{- if and $as.enabled (gt ($as.minReplicas | int) ($as.maxReplicas | int)) }}
{{- fail (printf "zerodown guard: autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d); raise maxReplicas" ($as.minReplicas | int) ($as.maxReplicas | int)) }}
{{- end }}
{{- if and .Values.service.enabled (not .Values.containerPort) }}
{{- fail "zerodown guard: service.enabled needs containerPort: the Service sends traffic to the container's port named http; set containerPort, or service.enabled=false for a worker" }}
{{- end }}
{{- with .Values.lifecycle }}{{ with .preStop }}{{ with .sleep }}
{{- if ge (.seconds | int) ($.Values.terminationGracePeriodSeconds | int) }}
{{- fail (printf "zerodown guard: the preStop sleep (%ds) does not end before terminationGracePeriodSeconds (%ds): the pod is killed before the app gets SIGTERM and can drain; set terminationGracePeriodSeconds to the sleep + the drain time + 5" (.seconds | int) ($.Values.terminationGracePeriodSeconds | int)) }}
{{- end }}
{{- end }}{{ end }}{{ end }}
{{- end }}
