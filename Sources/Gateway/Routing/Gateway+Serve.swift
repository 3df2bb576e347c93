public import Core
import Net
import Telemetry
import FoundationEssentials
import HTTPTypes

extension Gateway {
    /// Answers a request whole: candidates in order, then local runtimes, the response cache,
    /// and the offline responder. Throws `APIError` only for the caller's own mistakes.
    /// `forwarded`: a peer sent this request; it is never forwarded again.
    public func complete(_ request: ChatRequest, principal: Principal, forwarded: Bool = false) async throws -> GatewayAnswer {
        let plan: RoutePlan
        do {
            plan = try await self.plan(request, principal: principal)
        } catch let error as APIError where error.status.code == 404 && !forwarded {
            // A model this node does not know (no providers, say) may be served by a peer.
            if let peers = peers.current, let answer = await peers.complete(request, principal: principal) { return answer }
            throw error
        }
        let request = try await prompts.applied(to: request, task: plan.task)
        var attempt = Attempt()
        var queue = CandidateQueue(plan: plan)
        while let candidate = try await queue.next(gateway: self, attempt: &attempt, principal: principal) {
            var upstream = request
            upstream.model = candidate.record.upstreamID
            let started = ContinuousClock.now
            do {
                let response = try await candidate.provider.chat(upstream)
                let latency = ContinuousClock.now - started
                health.succeeded(candidate.record.id, latency: latency)
                metrics.request(provider: candidate.record.provider, model: candidate.record.id, outcome: "ok", latency: latency)
                if let usage = response.usage {
                    metrics.tokens(provider: candidate.record.provider, model: candidate.record.id,
                                   input: usage.promptTokens, output: usage.completionTokens)
                }
                await settle(request, principal: principal, model: candidate.record.id, response: response)
                return GatewayAnswer(response: response, model: candidate.record.id,
                                     trace: RouteTrace(served: candidate.record.id, task: plan.task, fallbackFrom: attempt.failedIDs))
            } catch {
                try await attempt.fail(candidate, error, health: health, metrics: metrics, latency: .now - started)
            }
        }
        if !forwarded, !plan.offlineOnly, let peers = peers.current, let answer = await peers.complete(request, principal: principal) {
            return answer
        }
        let fallback = try await offlineAnswer(request, principal: principal, plan: plan, attempt: attempt)
        return fallback
    }

    /// Streams a request. Fallback happens until the first event arrives; after that the
    /// answer is committed to that upstream. No relay task: the client's writer reads the
    /// upstream itself (backpressure), and dropping the stream aborts the upstream
    /// (cancellation).
    public func stream(_ request: ChatRequest, principal: Principal, forwarded: Bool = false) async throws -> GatewayStream {
        let plan: RoutePlan
        do {
            plan = try await self.plan(request, principal: principal)
        } catch let error as APIError where error.status.code == 404 && !forwarded {
            if let peers = peers.current, let stream = await peers.stream(request, principal: principal) { return stream }
            throw error
        }
        let request = try await prompts.applied(to: request, task: plan.task)
        var attempt = Attempt()
        var queue = CandidateQueue(plan: plan)
        while let candidate = try await queue.next(gateway: self, attempt: &attempt, principal: principal) {
            let key = candidate.record.id
            var upstream = request
            upstream.model = candidate.record.upstreamID
            let started = ContinuousClock.now
            let events = candidate.provider.stream(upstream)
            do {
                // Peek at the first event: an error before it may fall back to the next candidate.
                if let first = try await events.source.next() { events.source.unread(first) }
            } catch {
                events.owner.disarm()
                try await attempt.fail(candidate, error, health: health, metrics: metrics, latency: .now - started)
                continue
            }
            let firstEvent = ContinuousClock.now - started
            health.observe(key, latency: firstEvent)
            metrics.streamOpened()
            let provider = candidate.record.provider
            // What the end of the stream needs, not the request: an open stream holds no copy of it.
            let cacheKey = ResponseCache.key(for: request, requestedModel: request.model)
            let subject = principal.subject
            let tap = StreamTap(provider: provider) { result in
                await self.finishStream(subject: subject, cacheKey: cacheKey, key: key, result: result)
                self.recordStreamEnd(provider: provider, model: key, firstEvent: firstEvent, result: result)
            }
            return GatewayStream(events: events.handOff(tap: tap), model: key,
                                 trace: RouteTrace(served: key, task: plan.task, fallbackFrom: attempt.failedIDs))
        }
        if !forwarded, !plan.offlineOnly, let peers = peers.current, let stream = await peers.stream(request, principal: principal) {
            return stream
        }
        let answer = try await offlineAnswer(request, principal: principal, plan: plan, attempt: attempt)
        var synthesized: [ChatEvent] = []
        if !answer.response.message.text.isEmpty { synthesized.append(.textDelta(answer.response.message.text)) }
        synthesized.append(.finish(answer.response.finishReason))
        synthesized.append(.usage(answer.response.usage ?? Usage(promptTokens: 0, completionTokens: 0)))
        return GatewayStream(events: ChatEventStream(events: synthesized), model: answer.model, trace: answer.trace)
    }

    /// After a stream: a failure after the first event counts against the upstream; usage
    /// and the cache entry are written for complete answers.
    func finishStream(subject: String, cacheKey: String, key: String, result: Result<ChatAccumulator, ProviderError>) async {
        switch result {
        case .success(let accumulator):
            health.succeeded(key, latency: nil)
            await settle(subject: subject, model: key, response: accumulator.response(model: key)) { cacheKey }
        case .failure(let error) where error.code == .cancelled:
            health.released(key)
        case .failure(let error):
            health.failed(key, error: error)
            try? await usage.record(subject: subject, model: key, usage: nil)
        }
    }

    /// A committed stream ended: its outcome (latency is time to the first event), tokens,
    /// and one fewer open stream.
    func recordStreamEnd(provider: String, model: String, firstEvent: Duration, result: Result<ChatAccumulator, ProviderError>) {
        metrics.streamClosed()
        switch result {
        case .success(let accumulator):
            metrics.request(provider: provider, model: model, outcome: "ok", latency: firstEvent)
            if let usage = accumulator.usage {
                metrics.tokens(provider: provider, model: model, input: usage.promptTokens, output: usage.completionTokens)
            }
        case .failure(let error):
            metrics.request(provider: provider, model: model, outcome: error.code.rawValue, latency: firstEvent)
        }
    }

    func settle(_ request: ChatRequest, principal: Principal, model: String, response: ChatResponse) async {
        await settle(subject: principal.subject, model: model, response: response) {
            ResponseCache.key(for: request, requestedModel: request.model)
        }
    }

    /// Usage, and the cache entry for a complete text answer (`cacheKey` is asked only then).
    func settle(subject: String, model: String, response: ChatResponse, cacheKey: () -> String) async {
        try? await usage.record(subject: subject, model: model, usage: response.usage)
        if response.message.toolCalls.isEmpty, !response.message.text.isEmpty, response.finishReason == .stop {
            try? await cache.store(key: cacheKey(), model: model, text: response.message.text)
        }
    }

    /// The end of the chain: the exact-match cache, then `triforce/offline`.
    func offlineAnswer(_ request: ChatRequest, principal: Principal, plan: RoutePlan, attempt: Attempt) async throws -> GatewayAnswer {
        if !plan.offlineOnly, let hit = try? await cache.lookup(key: ResponseCache.key(for: request, requestedModel: request.model)) {
            let response = ChatResponse(model: hit.model, message: ChatMessage(role: .assistant, text: hit.text), finishReason: .stop,
                                        usage: Usage(promptTokens: 0, completionTokens: 0))
            try? await usage.record(subject: principal.subject, model: hit.model, usage: nil)
            return GatewayAnswer(response: response, model: hit.model,
                                 trace: RouteTrace(served: hit.model, task: plan.task, fallbackFrom: attempt.failedIDs, cached: true))
        }
        let text = await offline.answer(request, subject: principal.subject, failures: attempt.failures)
        let response = ChatResponse(model: OfflineResponder.modelID, message: ChatMessage(role: .assistant, text: text),
                                    finishReason: .stop, usage: Usage(promptTokens: 0, completionTokens: 0))
        try? await usage.record(subject: principal.subject, model: OfflineResponder.modelID, usage: nil)
        return GatewayAnswer(response: response, model: OfflineResponder.modelID,
                             trace: RouteTrace(served: OfflineResponder.modelID, task: plan.task, fallbackFrom: attempt.failedIDs))
    }
}

/// What failed so far in one request, for the route header and the offline answer.
/// The candidates of one request in order, then (once) the local runtimes. Hands out only
/// candidates whose circuit admits a request; skipped ones are recorded in the attempt.
struct CandidateQueue {
    private var pending: [Candidate]
    private var localAdded: Bool

    init(plan: RoutePlan) {
        pending = plan.candidates
        localAdded = plan.offlineOnly
    }

    mutating func next(gateway: Gateway, attempt: inout Attempt, principal: Principal) async throws -> Candidate? {
        while true {
            if pending.isEmpty, !localAdded {
                localAdded = true
                pending = try await gateway.localTier(excluding: attempt.triedIDs, principal: principal)
            }
            guard !pending.isEmpty else { return nil }
            let candidate = pending.removeFirst()
            if gateway.health.acquire(candidate.record.id, provider: candidate.record.provider) { return candidate }
            gateway.metrics.request(provider: candidate.record.provider, model: candidate.record.id, outcome: "circuit_open", latency: nil)
            attempt.skip(candidate)
        }
    }
}

struct Attempt: Sendable {
    var failedIDs: [String] = []
    var failures: [String] = []
    var triedIDs: Set<String> = []

    mutating func skip(_ candidate: Candidate) {
        triedIDs.insert(candidate.record.id)
        failures.append("\(candidate.record.id): skipped (circuit open or provider misconfigured)")
    }

    /// Records a failure; rethrows what no other upstream can fix (a bad request, cancellation).
    mutating func fail(_ candidate: Candidate, _ error: any Error, health: UpstreamHealth,
                       metrics: UpstreamMetrics, latency: Duration) async throws {
        let failure = ProviderError.wrap(error, provider: candidate.record.provider)
        metrics.request(provider: candidate.record.provider, model: candidate.record.id, outcome: failure.code.rawValue, latency: latency)
        triedIDs.insert(candidate.record.id)
        if failure.code == .cancelled {
            health.released(candidate.record.id)
            throw CancellationError()
        }
        health.failed(candidate.record.id, error: failure)
        if !failure.retryable {
            throw APIError.badRequest("\(candidate.record.id) rejected the request: \(failure.message)", code: "upstream_rejected")
        }
        failedIDs.append(candidate.record.id)
        failures.append("\(candidate.record.id): \(failure.code.rawValue)\(failure.status.map { " (HTTP \($0))" } ?? "")")
    }
}
