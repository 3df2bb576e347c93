public import Net

/// Answers a request from a peer: the params (an empty object when absent) and who asked.
public typealias MeshRequestHandler = @Sendable (_ params: JSONValue, _ caller: MeshCaller) async -> Result<JSONValue, JSONRPCError>
/// Takes a notification from a member: the params (an empty object when absent) and its id.
public typealias MeshNotificationHandler = @Sendable (_ params: JSONValue, _ peer: String) async -> Void

/// The seam other modules (tools across nodes, replication) use on the mesh links: serve a
/// method, observe a notification, call a member and wait for its answer, and announce small
/// facts in this node's gossiped metadata.
///
/// Calls ride the one link a pair of members keeps; each side numbers its own requests, and a
/// response is matched by id *and* by the peer it came from, so a peer cannot answer a call
/// made to another. A link that closes fails its calls at once (`.link`), so a caller never
/// waits out its timeout for a peer that is gone.
extension MeshService {
    /// How many requests one peer may have running here at once; more are answered "busy"
    /// at once rather than queued, so a flood cannot grow memory or starve other peers.
    static let maxRequestsInFlight = 256

    struct PendingCall {
        let peer: String
        let continuation: CheckedContinuation<Result<JSONValue, MeshError>, Never>
        var timer: Task<Void, Never>?
    }

    /// Requests for `method` from members (and CA-certified clients) go to `handler`, each in
    /// its own task: a slow handler never stalls the link's membership traffic.
    public func serve(_ method: String, _ handler: @escaping MeshRequestHandler) {
        requestHandlers[method] = handler
    }

    /// Notifications for `method` from members go to `handler`, in arrival order per link.
    public func observe(_ method: String, _ handler: @escaping MeshNotificationHandler) {
        notificationHandlers[method] = handler
    }

    /// Called (on this actor) whenever a member's state or metadata changes. Keep it short.
    public func onMemberChange(_ handler: @escaping @Sendable (Member) -> Void) {
        memberChangeHandlers.append(handler)
    }

    /// Ids of members with an open link now.
    public var linkedPeers: [String] { Array(links.keys) }

    /// Sets one key of this node's gossiped announcement (member metadata `health`), e.g.
    /// `announce("tools", ["hash": …, "count": …])`. Values ride in membership gossip: keep
    /// them small (a hash, a count, a digest) and fetch big things with `call`. `.null` removes.
    public func announce(_ key: String, _ value: JSONValue) {
        if value == .null { announcements[key] = nil } else { announcements[key] = value }
        var metadata = membership.me.metadata
        let health = JSONValue.object(announcements)
        guard metadata.health != health else { return }
        metadata.health = health
        perform(membership.updateSelf(metadata: metadata, now: now()))
    }

    /// A notification to one linked member; false when not linked or its send queue is full.
    @discardableResult
    public func notify(_ peer: String, method: String, params: JSONValue) -> Bool {
        guard let entry = links[peer] else { return false }
        return entry.transport.send(JSONValue.object(["jsonrpc": "2.0", "method": .string(method), "params": params]).jsonText)
    }

    /// A request to a member, answered within `timeout`. A member this node keeps no link to
    /// is dialed first (`MeshService+OnDemand.swift`). Throws `.link` when no link can be had
    /// or the link drops before the answer, `.timeout`, or `.remote(code)` with the peer's
    /// JSON-RPC error. Cancelling the calling task ends the wait for the answer at once.
    public func call(_ peer: String, method: String, params: JSONValue, timeout: Duration) async throws(MeshError) -> JSONValue {
        let entry = try await linkForCall(to: peer, within: timeout)
        guard !stopped else { throw MeshError(.link, "this node is leaving the mesh") }
        links[peer]?.lastUsed = now()
        let (id, overflow) = nextCallID.addingReportingOverflow(1)
        nextCallID = overflow ? 1 : id
        let request = JSONValue.object(["jsonrpc": "2.0", "id": .int(nextCallID), "method": .string(method), "params": params]).jsonText
        let callID = nextCallID
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<JSONValue, MeshError>, Never>) in
                pendingCalls[callID] = PendingCall(peer: peer, continuation: continuation)
                guard entry.transport.send(request) else {
                    finishCall(callID, .failure(MeshError(.link, "the link to \(peer) is closed or its send queue is full")))
                    return
                }
                pendingCalls[callID]?.timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    await self?.finishCall(callID, .failure(MeshError(.timeout, "\(peer) did not answer \(method) within \(timeout)")))
                }
            }
        } onCancel: {
            Task { await self.finishCall(callID, .failure(MeshError(.timeout, "the call to \(peer) was cancelled"))) }
        }
        return try outcome.get()
    }

    // MARK: - Inbound (from MeshSession)

    /// A response from `peer`: completes the call it answers, if this node made that call to
    /// that peer and still waits; anything else is dropped.
    func receiveResponse(id: JSONValue, result: JSONValue?, error: JSONValue?, from peer: String) {
        guard case .int(let callID) = id, pendingCalls[callID]?.peer == peer else { return }
        if let error {
            let code = error["code"]?.intValue.flatMap { Int(exactly: $0) } ?? -32603
            let message = error["message"]?.stringValue ?? "error"
            finishCall(callID, .failure(MeshError(.remote(code), "\(peer): \(message)")))
        } else {
            finishCall(callID, .success(result ?? .null))
        }
    }

    /// The handler for a request, counted against the peer's in-flight bound; nil with
    /// `busy` true when the peer is at the bound.
    func admitRequest(_ method: String, from peer: String) -> (handler: MeshRequestHandler?, busy: Bool) {
        guard let handler = requestHandlers[method] else { return (nil, false) }
        let running = requestsInFlight[peer, default: 0]
        guard running < Self.maxRequestsInFlight else { return (nil, true) }
        requestsInFlight[peer] = running + 1
        links[peer]?.lastUsed = now()
        return (handler, false)
    }

    func requestFinished(from peer: String) {
        let running = requestsInFlight[peer, default: 1] - 1
        requestsInFlight[peer] = running > 0 ? running : nil
    }

    func notificationHandler(_ method: String) -> MeshNotificationHandler? {
        notificationHandlers[method]
    }

    // MARK: - Completion

    func finishCall(_ id: Int64, _ outcome: Result<JSONValue, MeshError>) {
        guard let call = pendingCalls.removeValue(forKey: id) else { return }
        call.timer?.cancel()
        call.continuation.resume(returning: outcome)
    }

    /// The link to `peer` closed: its calls cannot be answered any more.
    func failCalls(to peer: String) {
        for (id, call) in pendingCalls where call.peer == peer {
            finishCall(id, .failure(MeshError(.link, "the link to \(peer) closed before it answered")))
        }
    }
}
