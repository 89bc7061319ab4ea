{{/*
Names, labels and the rules shared by the templates.
*/}}

{{- define "data-api.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "data-api.fullname" -}}
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

{{- define "data-api.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "data-api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "data-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "data-api.labels" -}}
helm.sh/chart: {{ include "data-api.chart" . }}
{{ include "data-api.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: data-api
{{- end }}

{{- define "data-api.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "data-api.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "data-api.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
The config keys that hold credentials: they go into the Secret, never into the ConfigMap.
`make chart-check` fails when a key marked `secret: true` in src/config/config.ts is missing here.
*/}}
{{- define "data-api.secretKeys" -}}
{{- list "DATABASE_URL" "ORACLE_PASSWORD" "REDIS_URL" "REDIS_PASSWORD" "AUTH_JWT_SECRET" "AUTH_API_KEYS" "CURSOR_SECRET" | toJson }}
{{- end }}

{{/*
A config value as an environment string. Helm reads YAML numbers as float64, which would print
1048576 as 1.048576e+06: integers are printed as integers.
*/}}
{{- define "data-api.envValue" -}}
{{- if or (kindIs "float64" .) (kindIs "float32" .) (kindIs "int64" .) (kindIs "int" .) -}}
{{- . | int64 | toString | quote -}}
{{- else -}}
{{- . | toString | quote -}}
{{- end -}}
{{- end }}

{{/* True ("true") when a config value is set: neither null nor the empty string. */}}
{{- define "data-api.isSet" -}}
{{- if and (not (kindIs "invalid" .)) (ne (toString .) "") }}true{{ end }}
{{- end }}

{{- define "data-api.secretName" -}}
{{- .Values.secret.existingSecret | default (include "data-api.fullname" .) }}
{{- end }}

{{/* The container port: config.PORT, or the service's default 8000. */}}
{{- define "data-api.port" -}}
{{- if include "data-api.isSet" .Values.config.PORT }}{{ .Values.config.PORT | int }}{{ else }}8000{{ end }}
{{- end }}

{{/* config.MANAGEMENT_PORT, or empty when unset (everything on the http port). */}}
{{- define "data-api.managementPort" -}}
{{- if include "data-api.isSet" .Values.config.MANAGEMENT_PORT }}{{ .Values.config.MANAGEMENT_PORT | int }}{{ end }}
{{- end }}

{{/* SHUTDOWN_GRACE_MS in whole seconds, rounded up (the service's default is 10000 ms). */}}
{{- define "data-api.shutdownGraceSeconds" -}}
{{- $ms := 10000 }}
{{- if include "data-api.isSet" .Values.config.SHUTDOWN_GRACE_MS }}{{ $ms = .Values.config.SHUTDOWN_GRACE_MS | int }}{{ end }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{/* SHUTDOWN_DELAY_MS in whole seconds, rounded up (the service's default is 0). */}}
{{- define "data-api.shutdownDelaySeconds" -}}
{{- $ms := 0 }}
{{- if include "data-api.isSet" .Values.config.SHUTDOWN_DELAY_MS }}{{ $ms = .Values.config.SHUTDOWN_DELAY_MS | int }}{{ end }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{/*
The pod's grace period: the preStop pause (endpoints drain while the pod still serves), then the
service's own delay after SIGTERM (SHUTDOWN_DELAY_MS, still serving with /ready at 503), then its
drain (SHUTDOWN_GRACE_MS), then a margin for closing pools. Kubernetes counts the preStop hook
inside terminationGracePeriodSeconds, so all four are added.
*/}}
{{- define "data-api.terminationGracePeriodSeconds" -}}
{{- add (.Values.lifecycle.preStopSleepSeconds | int) (include "data-api.shutdownDelaySeconds" . | int) (include "data-api.shutdownGraceSeconds" . | int) (.Values.lifecycle.extraTerminationGraceSeconds | int) }}
{{- end }}

{{/*
The pool size (per process) the pool-saturation alert divides by: ORACLE_POOL_MAX on Oracle
(the service's default is ORACLE_POOL_MIN, at least 1: a fixed-size pool; 10 when neither is
set), DB_POOL_MAX (default 10) on PostgreSQL.
*/}}
{{- define "data-api.dbPoolMax" -}}
{{- $c := .Values.config }}
{{- if include "data-api.isSet" $c.ORACLE_CONNECT_STRING }}
{{- if include "data-api.isSet" $c.ORACLE_POOL_MAX }}{{ $c.ORACLE_POOL_MAX | int }}
{{- else if include "data-api.isSet" $c.ORACLE_POOL_MIN }}{{ max 1 ($c.ORACLE_POOL_MIN | int) }}
{{- else }}10{{ end }}
{{- else }}
{{- if include "data-api.isSet" $c.DB_POOL_MAX }}{{ $c.DB_POOL_MAX | int }}{{ else }}10{{ end }}
{{- end }}
{{- end }}

{{/* The label selector of this release's series in Prometheus (set by the ServiceMonitor). */}}
{{- define "data-api.promSelector" -}}
namespace="{{ .Release.Namespace }}",service="{{ include "data-api.fullname" . }}"
{{- end }}

{{/*
Refuse values that would deploy a pod that cannot start or leaks a credential into a ConfigMap.
The service refuses the same at start (src/config/config.ts); refusing here fails `helm install` instead
of leaving pods in CrashLoopBackOff.
*/}}
{{- define "data-api.validate" -}}
{{- include "data-api.validateCapacity" . }}
{{- $secretKeys := include "data-api.secretKeys" . | fromJsonArray }}
{{- $c := .Values.config }}
{{- $production := eq (toString $c.NODE_ENV) "production" }}
{{- /* Unset or empty: the service's default, required. */}}
{{- $authMode := toString ($c.AUTH_MODE | default "required") }}
{{- $apiKeys := list }}
{{- if include "data-api.isSet" $c.AUTH_API_KEYS }}
{{- /* fromJsonArray yields a list holding the error message when the text is no JSON array. */}}
{{- $apiKeys = toString $c.AUTH_API_KEYS | fromJsonArray }}
{{- range $k := $apiKeys }}
{{- if not (and (kindIs "map" $k) (regexMatch "^[0-9a-fA-F]{64}$" (toString (get $k "sha256"))) (kindIs "string" (get $k "subject")) (ne (toString (get $k "subject")) "") (kindIs "slice" (get $k "scopes"))) }}
{{- fail "config.AUTH_API_KEYS must be a JSON array of {\"sha256\": \"<64 hex: the SHA-256 of the key, never the key itself>\", \"subject\": \"svc\", \"scopes\": [\"data:read\"]}" }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.secret.existingSecret }}
{{- range $key := $secretKeys }}
{{- if include "data-api.isSet" (get $.Values.config $key) }}
{{- fail (printf "config.%s is set while secret.existingSecret is %q: put %s in that Secret instead" $key $.Values.secret.existingSecret $key) }}
{{- end }}
{{- end }}
{{- else }}
{{- $hasDb := or (include "data-api.isSet" .Values.config.DATABASE_URL) (include "data-api.isSet" .Values.config.ORACLE_CONNECT_STRING) }}
{{- if not $hasDb }}
{{- fail "set config.DATABASE_URL (PostgreSQL) or config.ORACLE_CONNECT_STRING, or secret.existingSecret: without one every replica would keep its own embedded PGlite database" }}
{{- end }}
{{- if and $production (not (include "data-api.isSet" $c.CURSOR_SECRET)) }}
{{- fail "config.CURSOR_SECRET (32+ characters) is required when NODE_ENV=production, or use secret.existingSecret" }}
{{- end }}
{{- $hasAuth := or (include "data-api.isSet" $c.AUTH_JWT_SECRET) (include "data-api.isSet" $c.AUTH_JWKS_URL) (gt (len $apiKeys) 0) }}
{{- if and (eq $authMode "required") (not $hasAuth) }}
{{- fail "config.AUTH_MODE=required (the default) needs a credential source: set config.AUTH_JWT_SECRET (HS256, 32+ characters), config.AUTH_JWKS_URL (the identity provider's keys) or config.AUTH_API_KEYS, or use secret.existingSecret holding AUTH_JWT_SECRET or AUTH_API_KEYS" }}
{{- end }}
{{- end }}
{{- /* Verified TLS in production (src/config/transport-rules.ts), for what the chart can see. */}}
{{- $exempt := splitList "," (toString ($c.TLS_EXEMPT | default "") | nospace) }}
{{- if $production }}
{{- if and (include "data-api.isSet" $c.DATABASE_URL) (not (regexMatch "[?&]sslmode=verify-full(&|$)" (toString $c.DATABASE_URL))) (not (has "database" $exempt)) }}
{{- fail "config.DATABASE_URL needs sslmode=verify-full (verified TLS) when NODE_ENV=production; on a private network set config.TLS_EXEMPT=database" }}
{{- end }}
{{- if and (include "data-api.isSet" $c.REDIS_URL) (not (include "data-api.isSet" $c.REDIS_CLUSTER_NODES)) (not (hasPrefix "rediss://" (toString $c.REDIS_URL))) (not (has "redis" $exempt)) }}
{{- fail "config.REDIS_URL must be rediss:// (TLS) when NODE_ENV=production; on a private network set config.TLS_EXEMPT=redis" }}
{{- end }}
{{- if and (include "data-api.isSet" $c.REDIS_CLUSTER_NODES) (not (include "data-api.isSet" $c.REDIS_TLS_CA_FILE)) (not (has "redis" $exempt)) }}
{{- fail "config.REDIS_CLUSTER_NODES needs config.REDIS_TLS_CA_FILE (TLS) when NODE_ENV=production; on a private network set config.TLS_EXEMPT=redis" }}
{{- end }}
{{- if and (include "data-api.isSet" $c.AUTH_JWKS_URL) (not (hasPrefix "https://" (toString $c.AUTH_JWKS_URL))) (not (has "jwks" $exempt)) }}
{{- fail "config.AUTH_JWKS_URL must be https:// when NODE_ENV=production; on a private network set config.TLS_EXEMPT=jwks" }}
{{- end }}
{{- end }}
{{- if and $production (eq $authMode "none") }}
{{- fail "config.AUTH_MODE=none (no authentication, every caller an admin) is refused with NODE_ENV=production: keep AUTH_MODE=required and set config.AUTH_JWT_SECRET, config.AUTH_JWKS_URL or config.AUTH_API_KEYS" }}
{{- end }}
{{- $drainSeconds := add (include "data-api.shutdownDelaySeconds" . | int) (include "data-api.shutdownGraceSeconds" . | int) }}
{{- if not (gt (include "data-api.terminationGracePeriodSeconds" . | int) $drainSeconds) }}
{{- fail "terminationGracePeriodSeconds must exceed SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS" }}
{{- end }}
{{- end }}

{{/*
WORKERS: worker processes per pod, as the ConfigMap passes it. 0 (the chart's default) follows the
CPU the pod is given: resources.limits.cpu, else resources.requests.cpu, in whole CPUs rounded
down, at least 1 (250m: 1; 2: 2; 1500m: 1). Resolved here rather than left to the service's
os.availableParallelism(), so the connection budget and the heap per worker below count the same
workers, and a pod without a CPU limit does not start one worker per core of its node. Unset: 1.
*/}}
{{- define "data-api.workers" -}}
{{- $w := .Values.config.WORKERS }}
{{- if not (include "data-api.isSet" $w) }}1
{{- else if ne ($w | int) 0 }}{{ $w | int }}
{{- else }}
{{- $res := .Values.resources | default dict }}
{{- $cpu := toString (dig "limits" "cpu" "" $res) }}
{{- if not $cpu }}{{ $cpu = toString (dig "requests" "cpu" "" $res) }}{{ end }}
{{- $milli := 1000 }}
{{- if hasSuffix "m" $cpu }}{{ $milli = trimSuffix "m" $cpu | atoi }}{{ else if $cpu }}{{ $milli = mulf ($cpu | float64) 1000 | int }}{{ end }}
{{- max 1 (div $milli 1000) }}
{{- end }}
{{- end }}

{{/* The most pods at once: the HPA's maxReplicas (or replicaCount) plus the rollout's surge. */}}
{{- define "data-api.maxPods" -}}
{{- $replicas := ternary (.Values.autoscaling.maxReplicas | int) (.Values.replicaCount | int) .Values.autoscaling.enabled }}
{{- $surge := toString .Values.maxSurge }}
{{- if hasSuffix "%" $surge }}
{{- /* Kubernetes rounds a percent surge up. */}}
{{- $pct := trimSuffix "%" $surge | int }}
{{- add $replicas (div (add (mul $replicas $pct) 99) 100) }}
{{- else }}
{{- add $replicas ($surge | int) }}
{{- end }}
{{- end }}

{{/*
Database connections the release may open at once: every pod at the peak of a rollout at the
HPA's maximum, each worker with its pool and its readiness connection, plus the migration Job.
*/}}
{{- define "data-api.connectionDemand" -}}
{{- $perProcess := add (include "data-api.dbPoolMax" . | int) 1 }}
{{- $job := ternary 1 0 .Values.migrations.job.enabled }}
{{- add (mul (include "data-api.maxPods" . | int) (include "data-api.workers" . | int) $perProcess) $job }}
{{- end }}

{{/* A memory quantity (512Mi, 1Gi, 600M, 536870912) in MiB, rounded down; fails on anything else. */}}
{{- define "data-api.mebibytes" -}}
{{- $q := toString . }}
{{- $units := dict "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "k" 1000 "K" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "" 1 }}
{{- $m := regexFind "^[0-9]+(Ki|Mi|Gi|Ti|k|K|M|G|T)?$" $q }}
{{- if not $m }}{{ fail (printf "resources.limits.memory %q: expected a whole number with an optional unit (512Mi, 1Gi)" $q) }}{{ end }}
{{- $unit := regexReplaceAll "^[0-9]+" $q "" }}
{{- $n := regexReplaceAll "[A-Za-z]+$" $q "" | int64 }}
{{- div (mul $n (get $units $unit)) 1048576 }}
{{- end }}

{{/* --max-old-space-size of each worker: heapPercent of the memory limit per worker. */}}
{{- define "data-api.heapMiB" -}}
{{- $limit := include "data-api.mebibytes" (dig "limits" "memory" "" (.Values.resources | default dict)) | int }}
{{- $workers := include "data-api.workers" . | int }}
{{- $primary := ternary 64 0 (gt $workers 1) }}
{{- div (mul (div (sub $limit $primary) $workers) (.Values.memory.heapPercent | int)) 100 }}
{{- end }}

{{/* The port of a URL or host:port text, or the default given (list url default). */}}
{{- define "data-api.portOf" -}}
{{- $text := index . 0 | toString }}
{{- $default := index . 1 }}
{{- $hostPort := regexReplaceAll "[/?].*$" (regexReplaceAll "^[a-z+]+://([^@/]*@)?" $text "") "" }}
{{- $port := regexFind ":[0-9]+$" $hostPort | trimPrefix ":" }}
{{- if $port }}{{ $port }}{{ else if hasPrefix "https://" $text }}443{{ else if hasPrefix "http://" $text }}80{{ else }}{{ $default }}{{ end }}
{{- end }}

{{/*
The egress ports of one NetworkPolicy rule as a JSON list: the values' list when given, else the
ports of the configuration (the database, Redis, the identity provider, the OTLP collector).
*/}}
{{- define "data-api.egressPorts" -}}
{{- $root := index . 0 }}
{{- $which := index . 1 }}
{{- $c := $root.Values.config }}
{{- $given := get (get $root.Values.networkPolicy.egress $which) "ports" }}
{{- $ports := list }}
{{- if $given }}
{{- $ports = $given }}
{{- else if eq $which "database" }}
{{- if include "data-api.isSet" $c.ORACLE_CONNECT_STRING }}
{{- $ports = list (include "data-api.portOf" (list $c.ORACLE_CONNECT_STRING 1521)) }}
{{- else if include "data-api.isSet" $c.DATABASE_URL }}
{{- $ports = list (include "data-api.portOf" (list $c.DATABASE_URL 5432)) }}
{{- else }}{{ $ports = list 5432 }}{{ end }}
{{- else if eq $which "redis" }}
{{- if include "data-api.isSet" $c.REDIS_CLUSTER_NODES }}
{{- range splitList "," (toString $c.REDIS_CLUSTER_NODES) }}{{ $ports = append $ports (include "data-api.portOf" (list (trim .) 6379)) }}{{ end }}
{{- else if include "data-api.isSet" $c.REDIS_URL }}
{{- $ports = list (include "data-api.portOf" (list $c.REDIS_URL 6379)) }}
{{- else }}{{ $ports = list 6379 }}{{ end }}
{{- else if eq $which "identityProvider" }}
{{- $ports = list (include "data-api.portOf" (list ($c.AUTH_JWKS_URL | default "") 443)) }}
{{- else }}
{{- $ports = list (include "data-api.portOf" (list ($c.OTEL_EXPORTER_OTLP_ENDPOINT | default "") 4318)) }}
{{- end }}
{{- $out := list }}
{{- range $ports }}{{ $out = append $out (int .) }}{{ end }}
{{- $out | uniq | toJson }}
{{- end }}

{{/*
The capacity rules: connections against the budget, memory request = limit, a heap that fits.
*/}}
{{- define "data-api.validateCapacity" -}}
{{- $demand := include "data-api.connectionDemand" . | int }}
{{- $budget := .Values.database.connectionBudget | int }}
{{- if gt $demand $budget }}
{{- $pool := include "data-api.dbPoolMax" . | int }}
{{- fail (printf "database connections: %d pods at most (%s %d + maxSurge %v) x WORKERS %d x (pool max %d + 1 readiness connection)%s = %d exceed database.connectionBudget %d: lower autoscaling.maxReplicas, WORKERS or the pool (DB_POOL_MAX, ORACLE_POOL_MAX), put PgBouncer in front (docs/kubernetes-deployment.md#capacity), or raise the budget after raising the database's max_connections" (include "data-api.maxPods" . | int) (ternary "autoscaling.maxReplicas" "replicaCount" .Values.autoscaling.enabled) (ternary (.Values.autoscaling.maxReplicas | int) (.Values.replicaCount | int) .Values.autoscaling.enabled) .Values.maxSurge (include "data-api.workers" . | int) $pool (ternary " + 1 migration Job" "" .Values.migrations.job.enabled) $demand $budget) }}
{{- end }}
{{- $req := dig "requests" "memory" "" (.Values.resources | default dict) | toString }}
{{- $lim := dig "limits" "memory" "" (.Values.resources | default dict) | toString }}
{{- if not $lim }}{{ fail "resources.limits.memory is required (the heap size is derived from it)" }}{{ end }}
{{- if ne (include "data-api.mebibytes" $req) (include "data-api.mebibytes" $lim) }}
{{- fail (printf "resources.requests.memory (%s) must equal resources.limits.memory (%s): a pod above its memory request is the first the kubelet evicts under node memory pressure" $req $lim) }}
{{- end }}
{{- if lt (include "data-api.heapMiB" . | int) 96 }}
{{- fail (printf "the heap of each worker would be %d MiB (memory.heapPercent %v of %s over WORKERS %d): raise resources.limits.memory or lower WORKERS" (include "data-api.heapMiB" . | int) .Values.memory.heapPercent $lim (include "data-api.workers" . | int)) }}
{{- end }}
{{- if and .Values.topologySpread.enabled .Values.topologySpread.zone.minDomains (ne .Values.topologySpread.zone.whenUnsatisfiable "DoNotSchedule") }}
{{- fail "topologySpread.zone.minDomains needs topologySpread.zone.whenUnsatisfiable: DoNotSchedule (Kubernetes ignores it otherwise)" }}
{{- end }}
{{- end }}

{{/* Labels of the migration Job's pod and the helm test pod: never selected by the Service, PDB or HPA. */}}
{{- define "data-api.componentLabels" -}}
{{- $root := index . 0 }}
app.kubernetes.io/name: {{ include "data-api.name" $root }}-{{ index . 1 }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}
