@testable import Mesh
import Testing

/// The dialer's policy as a unit: which members to dial and which links to close, for a full
/// mesh and above the full-mesh limit.
@Suite("Link policy")
struct LinkPolicyTests {
    static func members(_ count: Int) -> [String] { (1...count).map { "m\($0)" } }

    static func outbound(_ ids: [String], at time: Duration = .zero) -> [String: LinkPolicy.LinkState] {
        Dictionary(uniqueKeysWithValues: ids.map { ($0, LinkPolicy.LinkState(outbound: true, busy: false, lastUsed: time)) })
    }

    @Test func upToTheLimitEveryMemberIsDialedAndNothingCloses() {
        var policy = LinkPolicy()
        var random = RandomSource(seed: 1)
        let live = Self.members(31)   // 32 with self: still a full mesh
        let linked = Self.outbound(Array(live.prefix(10)))
        let plan = policy.plan(live: live, links: linked, keep: [], failing: [], now: .seconds(600), random: &random)
        #expect(plan.dial == Array(live.dropFirst(10)).sorted())
        #expect(plan.close.isEmpty)
        #expect(policy.chosen.isEmpty)
    }

    @Test func aboveTheLimitAStableRandomEightAreKeptAndIdleExtrasClose() throws {
        var policy = LinkPolicy()
        var random = RandomSource(seed: 2)
        let live = Self.members(39)   // 40 with self
        // Left over from the full mesh: this node dialed m1...m20; m21...m39 dialed it.
        var links = Self.outbound(Array(live.prefix(20)))
        for id in live.dropFirst(20) { links[id] = LinkPolicy.LinkState(outbound: false, busy: false, lastUsed: .zero) }
        links["m3"]?.busy = true
        links["m4"]?.lastUsed = .seconds(50)

        let plan = policy.plan(live: live, links: links, keep: ["m5"], failing: [], now: .seconds(60), random: &random)
        #expect(policy.chosen.count == 8)
        // Links it already dialed are preferred: growing past the limit dials nothing new.
        #expect(policy.chosen.isSubset(of: Set(live.prefix(20))))
        #expect(plan.dial.isEmpty)
        // It closes the idle extras it dialed; not chosen ones, not a busy one, not one used
        // 10 s ago, not a configured peer, never a link the peer dialed.
        let expected = Set(live.prefix(20)).subtracting(policy.chosen).subtracting(["m3", "m4", "m5"])
        #expect(Set(plan.close) == expected)
        #expect(plan.close.allSatisfy { links[$0]?.outbound == true })

        // Stable: asked again, the same eight.
        let chosen = policy.chosen
        for id in plan.close { links[id] = nil }
        let again = policy.plan(live: live, links: links, keep: ["m5"], failing: [], now: .seconds(61), random: &random)
        #expect(policy.chosen == chosen && again.dial.isEmpty && again.close.isEmpty)

        // One chosen member dies: exactly one replacement, dialed at once.
        let gone = try #require(chosen.sorted().first)
        links[gone] = nil
        let replaced = policy.plan(live: live.filter { $0 != gone }, links: links, keep: ["m5"], failing: [], now: .seconds(62),
                                   random: &random)
        #expect(policy.chosen.count == 8 && !policy.chosen.contains(gone))
        #expect(policy.chosen.intersection(chosen).count == 7)
        let newcomer = try #require(policy.chosen.subtracting(chosen).first)
        #expect(replaced.dial == (links[newcomer] == nil ? [newcomer] : []))
    }

    @Test func aMemberWhoseDialsFailIsReplacedAndNeverChosenWhileFailing() {
        var policy = LinkPolicy()
        var random = RandomSource(seed: 3)
        let live = Self.members(40)
        _ = policy.plan(live: live, links: [:], keep: [], failing: [], now: .zero, random: &random)
        let first = policy.chosen
        let failing = Set(first.sorted().prefix(2))
        let plan = policy.plan(live: live, links: [:], keep: [], failing: failing, now: .seconds(1), random: &random)
        #expect(policy.chosen.count == 8 && policy.chosen.isDisjoint(with: failing))
        #expect(Set(plan.dial) == policy.chosen)
    }

    @Test func fewerMembersThanTheSparseCountAreAllChosenAndLinksAreBounded() {
        var limits = LinkPolicy.Limits()
        limits.fullMeshLimit = 2
        limits.sparseLinks = 8
        limits.maxLinks = 3
        var policy = LinkPolicy(limits: limits)
        var random = RandomSource(seed: 4)
        let plan = policy.plan(live: ["a", "b", "c"], links: [:], keep: [], failing: ["c"], now: .zero, random: &random)
        #expect(plan.dial == ["a", "b"] && policy.chosen == ["a", "b"])
        #expect(policy.acceptsLink(whileHolding: 2) && !policy.acceptsLink(whileHolding: 3))
        #expect(!policy.isSparse(members: 2) && policy.isSparse(members: 3))
    }
}
