import Synchronization
import Testing
@testable import Telemetry

/// The exposition text as Prometheus reads it, and the bounds that keep label sets finite.
@Suite struct TelemetryTests {
    func text(_ registry: MetricsRegistry) async -> String {
        String(decoding: await registry.exposition(), as: UTF8.self)
    }

    @Test func httpRequestsAreCountedByRouteAndStatusWithAHistogram() async {
        let metrics = NodeMetrics()
        metrics.http.record(route: "/v1/models", status: 200, nanoseconds: 300_000)
        metrics.http.record(route: "/v1/models", status: 200, nanoseconds: 2_000_000_000)
        metrics.http.record(route: "/v1/chat/completions", status: 429, nanoseconds: 1_000)
        let exposition = await text(metrics.registry)
        #expect(exposition.contains(#"triforce_http_requests_total{route="/v1/models",status="200"} 2"#))
        #expect(exposition.contains(#"triforce_http_requests_total{route="/v1/chat/completions",status="429"} 1"#))
        #expect(exposition.contains(#"triforce_rate_limited_requests_total{route="/v1/chat/completions"} 1"#))
        // 300 µs lands in the 0.0005 s bucket, 2 s only from the 2.5 s bucket on.
        #expect(exposition.contains(#"triforce_http_request_duration_seconds_bucket{route="/v1/models",status="200",le="0.0005"} 1"#))
        #expect(exposition.contains(#"triforce_http_request_duration_seconds_bucket{route="/v1/models",status="200",le="2.5"} 2"#))
        #expect(exposition.contains(#"triforce_http_request_duration_seconds_count{route="/v1/models",status="200"} 2"#))
    }

    @Test func upstreamOutcomesTokensStreamsAndCircuits() async {
        let metrics = NodeMetrics()
        metrics.upstream.request(provider: "openai", model: "openai/gpt-4o", outcome: "ok", latency: .milliseconds(40))
        metrics.upstream.request(provider: "openai", model: "openai/gpt-4o", outcome: "rateLimited", latency: .milliseconds(5))
        metrics.upstream.tokens(provider: "openai", model: "openai/gpt-4o", input: 7, output: -3)
        metrics.upstream.streamOpened()
        metrics.upstream.streamOpened()
        metrics.upstream.streamClosed()
        metrics.upstream.circuit(upstream: "openai/gpt-4o", state: "open")
        let exposition = await text(metrics.registry)
        #expect(exposition.contains(#"triforce_upstream_requests_total{provider="openai",model="openai/gpt-4o",outcome="ok"} 1"#))
        #expect(exposition.contains(#"triforce_upstream_requests_total{provider="openai",model="openai/gpt-4o",outcome="rateLimited"} 1"#))
        #expect(exposition.contains(#"triforce_upstream_request_duration_seconds_count{provider="openai",model="openai/gpt-4o"} 2"#))
        #expect(exposition.contains(#"triforce_tokens_total{provider="openai",model="openai/gpt-4o",direction="in"} 7"#))
        // A negative count from a broken upstream is ignored, not subtracted.
        #expect(exposition.contains(#"triforce_tokens_total{provider="openai",model="openai/gpt-4o",direction="out"} 0"#))
        #expect(exposition.contains("triforce_open_streams 1"))
        #expect(exposition.contains(#"triforce_circuit_state{upstream="openai/gpt-4o",state="open"} 1"#))
        #expect(exposition.contains(#"triforce_circuit_state{upstream="openai/gpt-4o",state="closed"} 0"#))
    }

    @Test func collectorsRunAtScrapeTimeAndRegistriesAreSeparate() async {
        let first = NodeMetrics()
        let second = NodeMetrics()
        first.registry.addCollector { [mesh = first.mesh] in mesh.set(counts: ["alive": 3, "dead": 1]) }
        first.tools.call(tool: "status", outcome: "ok")
        let exposition = await text(first.registry)
        #expect(exposition.contains(#"triforce_mesh_members{state="alive"} 3"#))
        #expect(exposition.contains(#"triforce_mesh_members{state="suspect"} 0"#))
        #expect(exposition.contains(#"triforce_mcp_tool_calls_total{tool="status",outcome="ok"} 1"#))
        #expect(!(await text(second.registry)).contains("triforce_mcp_tool_calls_total{"))
    }

    @Test func labelSetsAreCappedAndMadeOnce() {
        let made = Counting()
        let cache = LabelCache<String, Int>(limit: 3, overflowKey: "other") { key in made.add(key) }
        for name in ["a", "b", "c", "a", "b", "c"] { _ = cache[name] }
        #expect(made.keys == ["a", "b", "c"])
        // Past the cap every new value shares one overflow entry, made once.
        let overflow = (0..<100).map { cache["invented-\($0)"] }
        #expect(Set(overflow).count == 1)
        #expect(made.keys == ["a", "b", "c", "other"])
    }

    @Test func labelValuesAreBoundedPrintableASCII() {
        #expect(LabelValue.clean("openai/gpt-4o:latest") == "openai/gpt-4o:latest")
        #expect(LabelValue.clean("a\nb\u{7F}ü") == "a_b__")
        #expect(LabelValue.clean("") == "none")
        #expect(LabelValue.clean(String(repeating: "x", count: 10_000)).count == LabelValue.maxLength)
    }
}

/// Records which keys a cache asked to make (the cache calls `make` under its lock).
final class Counting: Sendable {
    private let made = Mutex<[String]>([])
    var keys: [String] { made.withLock { $0 } }
    func add(_ key: String) -> Int { made.withLock { $0.append(key); return $0.count } }
}
