import Core
import FoundationEssentials
import Gateway
import HTTPTypes
import Logging
import Mesh
import Net
import ServiceLifecycle

/// Both ends of failover through peers: announces this node's usable chat models in its
/// gossiped health (`providers.usable`, checked every `interval`), serves `chat/forward` for
/// members, takes `chat/event` notifications for streams it forwarded, and installs the
/// forwarder in the gateway.
struct ChatFailoverService: Service {
    let gateway: Gateway
    let service: MeshService
    let logger: Logger
    let streams = ForwardedStreams()
    var interval: Duration = .seconds(2)

    func run() async throws {
        await start()
        try? await cancelWhenGracefulShutdown {
            var last: Int?
            while !Task.isCancelled {
                let usable = await gateway.usableModelCount()
                if usable != last {
                    await service.announce("providers", ["usable": .int(Int64(usable))])
                    last = usable
                }
                try await Task.sleep(for: interval)
            }
        }
        gateway.peers.set(nil)
    }

    func start() async {
        let gateway = gateway, service = service, streams = streams
        await service.serve("chat/forward") { params, caller in
            await Self.answer(params, caller: caller, gateway: gateway, service: service)
        }
        await service.observe("chat/event") { params, peer in
            guard let id = params["stream"]?.stringValue else { return }
            let events = (params["chunks"]?.arrayValue ?? []).flatMap { OpenAIWire.decodeChunk($0) }
            await streams.deliver(id, from: peer, model: params["model"]?.stringValue, events: events)
        }
        gateway.peers.set(MeshChatForwarder(service: service, streams: streams, logger: logger))
    }

    /// The peer's side: runs the request here with `forwarded: true` (never forwarded on),
    /// under this node's own policy for the caller's principal. An answer from the offline
    /// responder is refused so the origin falls back to its own chain.
    static func answer(_ params: JSONValue, caller: MeshCaller, gateway: Gateway, service: MeshService) async -> Result<JSONValue, JSONRPCError> {
        guard case .member(let origin) = caller else {
            return .failure(JSONRPCError(code: -32000, message: "chat/forward is for members"))
        }
        guard let hops = params["hops"]?.intValue, hops >= 1, hops <= 1 else {
            return .failure(.invalidParams("a forwarded request carries hops = 1 and is never forwarded again"))
        }
        guard let principal = Principal(meshJSON: params["principal"]), let body = params["request"] else {
            return .failure(.invalidParams("request and principal are required"))
        }
        let request: ChatRequest
        do { request = try OpenAIWire.decodeRequest(body).request } catch {
            return .failure(.invalidParams("request: \(error)"))
        }
        do {
            if let streamID = params["stream_id"]?.stringValue, streamID.utf8.count <= 64 {
                let stream = try await gateway.stream(request, principal: principal, forwarded: true)
                guard stream.model != OfflineResponder.modelID else { return .failure(noProviders) }
                var sent = 0
                var first = true
                var batch: [JSONValue] = []
                for try await event in stream.events {
                    batch.append(OpenAIWire.encodeChunk(event, id: streamID, model: stream.model, created: 0, first: first))
                    first = false
                    // One notification per event keeps the stream live; the queue bounds it.
                    let params: JSONValue = ["stream": .string(streamID), "model": .string(stream.model), "chunks": .array(batch)]
                    guard await service.notify(origin, method: "chat/event", params: params) else {
                        return .failure(JSONRPCError(code: -32603, message: "the link to \(origin) closed or is full"))
                    }
                    sent += batch.count
                    batch.removeAll()
                }
                return .success(["events": .int(Int64(sent)), "model": .string(stream.model)])
            }
            let answer = try await gateway.complete(request, principal: principal, forwarded: true)
            guard answer.model != OfflineResponder.modelID else { return .failure(noProviders) }
            let json = OpenAIWire.encodeResponse(answer.response, id: "chatcmpl-mesh", model: answer.model,
                                                 created: Int64(Date().timeIntervalSince1970))
            return .success(["response": json, "model": .string(answer.model), "route": .string(answer.trace.header)])
        } catch let error as APIError {
            return .failure(JSONRPCError(code: -32000, message: "\(error.status.code) \(error.message)"))
        } catch {
            return .failure(JSONRPCError(code: -32603, message: "\(error)"))
        }
    }

    static let noProviders = JSONRPCError(code: -32004, message: "no usable provider here either")
}
