@testable import Appliance
@testable import Mesh
import Net
import Testing
import TestSupport

/// The rollout's rules without processes: whose turn, what halts, the health gate's verdicts,
/// and what a node does with an unfinished trial record.
@Suite("rollout decisions")
struct RolloutDecisionTests {
    typealias M = RolloutPlan.Member

    static let trial = RolloutTrial(version: "2.0", previous: "1.0", startedAtMilliseconds: 1_000, members: ["a", "c"])
    static func halt(_ version: String = "2.0") -> RolloutHalt {
        RolloutHalt(version: version, node: "a", reason: "health gate failed: database not writable", at: 5)
    }

    static func decide(_ id: String, running: String, target: String? = "2.0", trial: RolloutTrial? = nil,
                       halt: RolloutHalt? = nil, members: [M]) -> RolloutDecision {
        RolloutDecision.decide(selfID: id, running: running, target: target, trial: trial, halt: halt,
                               plan: target.map { RolloutPlan(target: $0, members: members) })
    }

    @Test func onlyTheLowestIdBehindMovesAndOnlyWhenEveryoneIsHealthy() {
        let members = [M(id: "a", state: .alive, version: "2.0"), M(id: "b", state: .alive, version: "1.0"),
                       M(id: "c", state: .alive, version: "1.0")]
        #expect(Self.decide("b", running: "1.0", members: members) == .upgrade)
        #expect(Self.decide("c", running: "1.0", members: members) == .idle("member b updates to 2.0 first"))
        // `a` is in its health gate (announces healthy: false): nobody moves.
        var gating = members
        gating[0].healthy = false
        guard case .idle(let reason) = Self.decide("b", running: "1.0", members: gating) else {
            Issue.record("a member in its gate did not hold the rollout")
            return
        }
        #expect(reason.contains("a") && reason.contains("not healthy"))
        // Everyone there: done. No release.json: nothing.
        let done = members.map { M(id: $0.id, state: .alive, version: "2.0") }
        #expect(Self.decide("c", running: "2.0", members: done) == .idle("every member runs 2.0"))
        #expect(Self.decide("b", running: "1.0", target: nil, members: members) == .idle("release.json names no release"))
    }

    @Test func aFailureAnnouncedAnywhereHaltsEveryoneUntilANewTarget() {
        var members = [M(id: "a", state: .alive, version: "1.0"), M(id: "b", state: .alive, version: "1.0")]
        members[0].failed = Self.halt()
        // `b` would be next without the halt (a stays behind after its rollback).
        #expect(Self.decide("a", running: "1.0", members: members) == .halted(Self.halt()))
        #expect(Self.decide("b", running: "1.0", members: members) == .halted(Self.halt()))
        // The persisted halt holds on its own (the failed node went away, or this one restarted).
        let quiet = [M(id: "a", state: .alive, version: "1.0"), M(id: "b", state: .alive, version: "1.0")]
        #expect(Self.decide("a", running: "1.0", halt: Self.halt(), members: quiet) == .halted(Self.halt()))
        // A halt for another version does not hold a new target.
        #expect(Self.decide("a", running: "1.0", target: "3.0", halt: Self.halt(), members: members) == .upgrade)
        let plan = RolloutPlan(target: "2.0", members: members).json
        #expect(plan["step"] == "halted" && plan["failed"]?["node"] == "a")
    }

    @Test func anUnfinishedTrialIsGatedByItsReleaseAndRecordedAsFailedByAnyOther() {
        let members = [M(id: "a", state: .alive, version: "2.0")]
        #expect(Self.decide("a", running: "2.0", trial: Self.trial, members: members) == .gate(Self.trial))
        // The trial release crashed; the supervisor started `current`, the old release.
        #expect(Self.decide("a", running: "1.0", trial: Self.trial, members: members) == .trialCrashed(Self.trial))
        // Whatever the target and the halts say, the trial is settled first.
        #expect(Self.decide("a", running: "1.0", target: nil, trial: Self.trial, halt: Self.halt(), members: []) == .trialCrashed(Self.trial))
    }

    @Test func theGatePassesAfterHoldingAndFailsOnTimeoutOrALapse() {
        var gate = HealthGate(hold: .seconds(3), timeout: .seconds(30), start: .zero)
        #expect(gate.observe(entry: "has not rejoined: member c is dead", local: nil, at: .seconds(1)) == .pending("has not rejoined: member c is dead"))
        #expect(gate.observe(entry: nil, local: nil, at: .seconds(2)) == .pending("healthy; holding for 3 s"))
        #expect(gate.observe(entry: nil, local: nil, at: .seconds(4)) == .pending("healthy for 2 of 3 s"))
        // Entry conditions (other members) may wobble in the hold; only this node's own count.
        #expect(gate.observe(entry: "replication: 3 rows from c not pulled yet", local: nil, at: .seconds(4)) == .pending("healthy for 2 of 3 s"))
        #expect(gate.observe(entry: nil, local: nil, at: .seconds(5)) == .passed)

        var lapsed = HealthGate(hold: .seconds(3), timeout: .seconds(30), start: .zero)
        _ = lapsed.observe(entry: nil, local: nil, at: .seconds(1))
        guard case .failed(let why) = lapsed.observe(entry: nil, local: "the database is not writable", at: .seconds(2)) else {
            Issue.record("a lapse in the hold did not fail the gate")
            return
        }
        #expect(why.contains("database"))

        var slow = HealthGate(hold: .seconds(3), timeout: .seconds(30), start: .seconds(10))
        #expect(slow.observe(entry: nil, local: "the API is not serving yet", at: .seconds(39)) == .pending("the API is not serving yet"))
        guard case .failed(let late) = slow.observe(entry: "replication: not heard from c since the restart", local: nil, at: .seconds(40)) else {
            Issue.record("the gate did not fail at its timeout")
            return
        }
        #expect(late.contains("30 s") && late.contains("not heard from c"))
    }

    @Test func entryNeedsEveryEarlierMemberBackAndReplicationHeardSinceTheRestart() {
        let trial = Self.trial  // members a and c, started at 1000 ms
        func snapshot(_ states: [(String, MemberState, Bool)]) -> MeshSnapshot {
            MeshSnapshot(selfID: "b", members: states.map { id, state, linked in
                MeshSnapshot.Entry(member: Member(id: id, state: state, incarnation: 1, metadata: .unknown, since: .zero),
                                   since: 0, linked: linked)
            }, healthScore: 0)
        }
        let back = snapshot([("a", .alive, true), ("b", .alive, true), ("c", .alive, true)])
        let caughtUp: [String: HealthGate.Replication] = ["a": .init(heardMilliseconds: 2_000, lagRows: 0),
                                                          "c": .init(heardMilliseconds: 1_500, lagRows: 0)]
        #expect(HealthGate.entryProblem(trial: trial, selfID: "b", snapshot: back, peers: caughtUp) == nil)
        #expect(HealthGate.entryProblem(trial: trial, selfID: "b", snapshot: snapshot([("a", .alive, true), ("c", .suspect, true)]),
                                        peers: caughtUp)?.contains("member c is suspect") == true)
        #expect(HealthGate.entryProblem(trial: trial, selfID: "b", snapshot: snapshot([("a", .alive, true)]),
                                        peers: caughtUp)?.contains("c is not known") == true)
        var stale = caughtUp
        stale["c"] = .init(heardMilliseconds: 900, lagRows: 0)
        #expect(HealthGate.entryProblem(trial: trial, selfID: "b", snapshot: back, peers: stale) == "replication: not heard from c since the restart")
        stale["c"] = .init(heardMilliseconds: 1_900, lagRows: 4)
        #expect(HealthGate.entryProblem(trial: trial, selfID: "b", snapshot: back, peers: stale) == "replication: 4 rows from c not pulled yet")
    }

    @Test func recordsSurviveInTheDataDirAndReadBackExactly() throws {
        let records = RolloutRecords(dataDirectory: TemporaryDirectory.make())
        #expect(records.trial() == nil && records.halt() == nil)
        try records.save(Self.trial)
        try records.save(Self.halt())
        #expect(records.trial() == Self.trial && records.halt() == Self.halt())
        records.removeTrial()
        #expect(records.trial() == nil && records.halt() == Self.halt())
        // A reason too long for gossip is cut; an announcement that is not one is refused.
        #expect(RolloutHalt(version: "2.0", node: "a", reason: String(repeating: "x", count: 5_000), at: 1).reason.utf8.count == RolloutHalt.maxReasonBytes)
        #expect(RolloutHalt(json: ["version": "../etc", "node": "a", "reason": "r"]) == nil)
        #expect(RolloutHalt(json: Self.halt().json) == Self.halt())
    }
}
