import Core
import FoundationEssentials
import Gateway
import Logging
import Mesh
import Net

/// Failover through peers, over the mesh links (`chat/forward`). Chosen over HTTPS to the
/// peer's API address because the link is already open, mutually authenticated and
/// measured (RTT), it needs no second trust path for the API port, and the caller's
/// principal travels the same way forwarded tool calls carry it.
///
/// Origin: when every local upstream failed, asks the alive, linked members whose announced
/// health reports usable providers, lowest RTT first (two at most), and returns the first
/// answer with `via=NODE` in its route. A stream's events come back as `chat/event`
/// notifications on the same link, ahead of the call's reply, so the reply marks the end.
/// The peer answers with `forwarded: true`: a forwarded request is never forwarded again.
struct MeshChatForwarder: PeerForwarder {
    let service: MeshService
    let streams: ForwardedStreams
    let logger: Logger
    /// A forwarded answer (a whole stream included) must end within this.
    static let timeout: Duration = .seconds(300)
    static let maxPeersTried = 2

    /// Peers worth asking, best first.
    func candidates() async -> [String] {
        let view = await service.snapshot()
        return view.members
            .filter { entry in
                entry.member.id != view.selfID && entry.member.state == .alive && entry.linked
                    && (entry.member.metadata.health["providers"]?["usable"]?.intValue ?? 0) > 0
            }
            .sorted { ($0.member.rttMilliseconds ?? .infinity) < ($1.member.rttMilliseconds ?? .infinity) }
            .map(\.member.id)
    }

    func params(_ request: ChatRequest, principal: Principal, stream: String?) -> JSONValue {
        var params: [String: JSONValue] = ["request": OpenAIWire.encodeRequest(request, stream: stream != nil),
                                           "principal": principal.meshJSON, "hops": 1]
        if let stream { params["stream_id"] = .string(stream) }
        return .object(params)
    }

    func complete(_ request: ChatRequest, principal: Principal) async -> GatewayAnswer? {
        for peer in await candidates().prefix(Self.maxPeersTried) {
            do {
                let reply = try await service.call(peer, method: "chat/forward", params: params(request, principal: principal, stream: nil),
                                                   timeout: Self.timeout)
                guard let json = reply["response"], let model = reply["model"]?.stringValue else {
                    throw ChatForwardError("the peer's answer has no response")
                }
                let response = try OpenAIWire.decodeResponse(json, provider: peer)
                var trace = RouteTrace(served: model)
                trace.via = peer
                logger.info("chat answered through a peer", metadata: ["peer": "\(peer)", "model": "\(model)"])
                return GatewayAnswer(response: response, model: model, trace: trace)
            } catch {
                logger.warning("chat forward failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            }
        }
        return nil
    }

    func stream(_ request: ChatRequest, principal: Principal) async -> GatewayStream? {
        for peer in await candidates().prefix(Self.maxPeersTried) {
            let id = await streams.open(peer: peer)
            let service = service, streams = streams
            let call = Task {
                do {
                    _ = try await service.call(peer, method: "chat/forward", params: params(request, principal: principal, stream: id),
                                               timeout: Self.timeout)
                    await streams.finish(id, .success(()))
                } catch {
                    await streams.finish(id, .failure(ChatForwardError("\(peer): \(error)")))
                }
            }
            let first: ChatEvent?
            do {
                first = try await streams.next(id)
            } catch {
                logger.warning("chat stream forward failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
                continue
            }
            guard let first, let model = await streams.model(id) else { continue }
            var trace = RouteTrace(served: model)
            trace.via = peer
            logger.info("chat stream through a peer", metadata: ["peer": "\(peer)", "model": "\(model)"])
            let events = ChatEventStream.producing { sink in
                // The client went away: stop the call (which ends the wait below) and forget
                // the stream, whatever the peer still sends for it.
                defer {
                    call.cancel()
                    Task { await streams.close(id) }
                }
                try await withTaskCancellationHandler {
                    try await sink.ready()
                    sink.yield(first)
                    do {
                        while let event = try await streams.next(id) {
                            try await sink.ready()
                            sink.yield(event)
                        }
                    } catch {
                        throw ProviderError(.interrupted, provider: "mesh:" + peer, message: "\(error)")
                    }
                } onCancel: {
                    call.cancel()
                }
            }
            return GatewayStream(events: events, model: model, trace: trace)
        }
        return nil
    }
}
