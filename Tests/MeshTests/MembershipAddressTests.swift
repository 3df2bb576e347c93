@testable import Mesh
import Net
import Testing

/// Address news heard second-hand (`Membership+Addresses.swift`): kept as an unverified,
/// bounded candidate, adopted only when a dial proves it (the driver calls `addressVerified`
/// after the certificate check), dropped when a dial to it fails.
@Suite("Membership address candidates")
struct MembershipAddressTests {
    static func metadata(_ mesh: String, api: String = "http://10.0.0.2:2", health: JSONValue = [:]) -> MemberMetadata {
        MemberMetadata(meshAddress: mesh, apiAddress: api, version: "1", startedAt: 1, health: health)
    }

    /// `a` knows `b` first-hand at 10.0.0.2:1, incarnation 1.
    static func view() -> Membership {
        var view = Membership(selfID: "a", metadata: metadata("10.0.0.1:1"), now: .zero)
        _ = view.receive(.gossip([MemberUpdate(id: "b", state: .alive, incarnation: 1, metadata: metadata("10.0.0.2:1"))]),
                         from: "b", now: .zero)
        return view
    }

    static func secondHand(_ mesh: String, incarnation: Int64, api: String = "http://10.0.0.2:2") -> SwimMessage {
        .gossip([MemberUpdate(id: "b", state: .alive, incarnation: incarnation, metadata: metadata(mesh, api: api))])
    }

    @Test func aSecondHandAddressIsACandidateNotTheAddress() {
        var view = Self.view()
        _ = view.receive(Self.secondHand("10.0.0.9:7", incarnation: 2), from: "c", now: .zero)
        #expect(view.members["b"]?.metadata.meshAddress == "10.0.0.2:1")
        #expect(view.members["b"]?.incarnation == 2)
        #expect(view.addressCandidates(of: "b") == [PeerAddress("10.0.0.9:7")!])
        #expect(view.dialAddresses(of: "b") == [PeerAddress("10.0.0.2:1")!, PeerAddress("10.0.0.9:7")!])
        // Heard again (at the same incarnation, from another member, spelled as a URL): one entry.
        _ = view.receive(Self.secondHand("wss://10.0.0.9:7", incarnation: 2), from: "d", now: .zero)
        #expect(view.addressCandidates(of: "b").count == 1)
        // Stale news (below the incarnation we hold) is not a candidate.
        _ = view.receive(Self.secondHand("10.0.0.8:8", incarnation: 1), from: "c", now: .zero)
        #expect(!view.addressCandidates(of: "b").contains(PeerAddress("10.0.0.8:8")!))
    }

    @Test func theCandidatesAreBoundedAndNeverTheAddressItselfOrOurs() {
        var view = Self.view()
        for port in 1...10 {
            _ = view.receive(Self.secondHand("10.0.0.9:\(port)", incarnation: Int64(1 + port)), from: "c", now: .zero)
        }
        // The newest two stay.
        #expect(view.addressCandidates(of: "b") == [PeerAddress("10.0.0.9:9")!, PeerAddress("10.0.0.9:10")!])
        var other = Self.view()
        for mesh in ["10.0.0.2:1", "10.0.0.1:1", "not an address", "10.0.0.9:99999", String(repeating: "h", count: 300) + ":1"] {
            _ = other.receive(Self.secondHand(mesh, incarnation: 5), from: "c", now: .zero)
        }
        #expect(other.addressCandidates(of: "b").isEmpty, "\(other.addressCandidates(of: "b"))")
        // A member we do not know yet is learned as before; its address needs no candidate.
        _ = other.receive(.gossip([MemberUpdate(id: "e", state: .alive, incarnation: 0, metadata: Self.metadata("10.0.0.5:1"))]),
                          from: "c", now: .zero)
        #expect(other.members["e"]?.metadata.meshAddress == "10.0.0.5:1" && other.addressCandidates(of: "e").isEmpty)
    }

    @Test func anAdoptedCandidateReplacesTheAddressAndAFailedOneIsDropped() {
        var view = Self.view()
        _ = view.receive(Self.secondHand("10.0.0.9:7", incarnation: 2, api: "http://10.0.0.9:8"), from: "c", now: .zero)
        _ = view.receive(Self.secondHand("10.0.0.6:6", incarnation: 3), from: "d", now: .zero)
        // A dial to an address that was never a candidate proves nothing here.
        #expect(view.addressVerified(PeerAddress("10.0.0.7:7")!, of: "b").isEmpty)
        #expect(view.members["b"]?.metadata.meshAddress == "10.0.0.2:1")
        view.addressFailed(PeerAddress("10.0.0.6:6")!, of: "b")
        #expect(view.addressCandidates(of: "b") == [PeerAddress("10.0.0.9:7")!])
        let actions = view.addressVerified(PeerAddress("10.0.0.9:7")!, of: "b")
        let adopted = view.members["b"]!
        #expect(actions == [.changed(adopted)])
        #expect(adopted.metadata.meshAddress == "10.0.0.9:7" && adopted.state == .alive && adopted.incarnation == 3)
        // Only the address came from the proof; the rest waits for the member's own word.
        #expect(adopted.metadata.apiAddress == "http://10.0.0.2:2")
        #expect(view.addressCandidates(of: "b").isEmpty)
        #expect(view.gossip.take(8, maxTransmits: 8).contains { $0.id == "b" && $0.metadata?.meshAddress == "10.0.0.9:7" })
        // Members that never proved the move still gossip the old address at this incarnation:
        // not a candidate again. At a newer incarnation it may be real news (it moved back).
        _ = view.receive(Self.secondHand("10.0.0.2:1", incarnation: 3), from: "c", now: .seconds(1))
        #expect(view.addressCandidates(of: "b").isEmpty)
        _ = view.receive(Self.secondHand("10.0.0.2:1", incarnation: 4), from: "c", now: .seconds(1))
        #expect(view.addressCandidates(of: "b") == [PeerAddress("10.0.0.2:1")!])
        view.addressFailed(PeerAddress("10.0.0.2:1")!, of: "b")
        // The member's own word at the incarnation we hold (its link is up now) brings the rest.
        let own = MemberMetadata(meshAddress: "10.0.0.9:7", apiAddress: "http://10.0.0.9:8", version: "2", startedAt: 9)
        _ = view.receive(.sync([MemberUpdate(id: "b", state: .alive, incarnation: 4, metadata: own)], reply: false), from: "b", now: .seconds(2))
        #expect(view.members["b"]?.metadata == own && view.members["b"]?.incarnation == 4)
    }

    @Test func theOwnWordAtTheSameIncarnationChangesNoState() {
        var view = Self.view()
        _ = view.receive(.gossip([MemberUpdate(id: "b", state: .suspect, incarnation: 1)]), from: "c", now: .zero)
        #expect(view.members["b"]?.state == .suspect)
        // Only a higher incarnation refutes a suspicion, whatever the metadata says.
        _ = view.receive(.sync([MemberUpdate(id: "b", state: .alive, incarnation: 1, metadata: Self.metadata("10.0.0.3:3"))], reply: false),
                         from: "b", now: .zero)
        #expect(view.members["b"]?.state == .suspect && view.members["b"]?.metadata.meshAddress == "10.0.0.2:1")
    }
}
