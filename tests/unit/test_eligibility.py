"""R3: the three blockers, decided from the seller's Shop Ads account facts."""

from live_mission.ads import AdAccount, SellerAdsAccount
from live_mission.eligibility import advertising_account, blockers_of, eligibility_of


def _account(**overrides: object) -> SellerAdsAccount:
    facts: dict[str, object] = {
        "seller_id": "S1",
        "ads_permission": True,
        "ad_accounts": [AdAccount(advertiser_id="A1", status="STATUS_ENABLE", owner="SELLER", payment_ready=True)],
    }
    facts.update(overrides)
    return SellerAdsAccount.model_validate(facts)


def _codes(account: SellerAdsAccount) -> list[str]:
    return [b.code for b in blockers_of(account)]


def test_an_eligible_seller_has_no_blocker() -> None:
    assert eligibility_of(_account()).eligible is True
    assert _codes(_account()) == []


def test_missing_permission_blocks() -> None:
    assert _codes(_account(ads_permission=False)) == ["ADS_PERMISSION_NOT_GRANTED"]


def test_no_account_at_all_asks_for_an_account_only() -> None:
    assert _codes(_account(ad_accounts=[])) == ["NO_VALID_AD_ACCOUNT"]


def test_a_disabled_account_is_not_valid() -> None:
    disabled = AdAccount(advertiser_id="A1", status="STATUS_DISABLE", payment_ready=True)
    assert _codes(_account(ad_accounts=[disabled])) == ["NO_VALID_AD_ACCOUNT"]


def test_payment_is_judged_on_the_valid_accounts() -> None:
    unpaid = AdAccount(advertiser_id="A1", status="STATUS_ENABLE", payment_ready=False)
    paid_but_disabled = AdAccount(advertiser_id="A2", status="STATUS_DISABLE", payment_ready=True)
    assert _codes(_account(ad_accounts=[unpaid, paid_but_disabled])) == ["PAYMENT_SETUP_INCOMPLETE"]


def test_all_three_are_reported_at_once_in_a_stable_order() -> None:
    broken = AdAccount(advertiser_id="A1", status="STATUS_DISABLE", payment_ready=False)
    assert _codes(_account(ads_permission=False, ad_accounts=[broken])) == [
        "ADS_PERMISSION_NOT_GRANTED",
        "NO_VALID_AD_ACCOUNT",
        "PAYMENT_SETUP_INCOMPLETE",
    ]


def test_every_blocker_carries_the_seed_steps() -> None:
    broken = AdAccount(advertiser_id="A1", status="STATUS_DISABLE", payment_ready=False)
    for blocker in blockers_of(_account(ads_permission=False, ad_accounts=[broken])):
        assert blocker.title
        assert "Shop Ads" in blocker.steps[0] and "Account Management" in blocker.steps[0]
        assert len(blocker.steps) >= 2


def test_an_agency_account_counts_and_the_sellers_own_is_preferred() -> None:
    agency = AdAccount(advertiser_id="A0", status="STATUS_ENABLE", owner="AGENCY", payment_ready=True)
    own = AdAccount(advertiser_id="A9", status="STATUS_ENABLE", owner="SELLER", payment_ready=True)
    assert _codes(_account(ad_accounts=[agency])) == []
    assert advertising_account(_account(ad_accounts=[agency, own])).advertiser_id == "A9"
    assert advertising_account(_account(ad_accounts=[agency])).advertiser_id == "A0"


def test_an_unknown_owner_does_not_count() -> None:
    stranger = AdAccount(advertiser_id="A1", status="STATUS_ENABLE", owner="SOMEONE", payment_ready=True)
    assert _codes(_account(ad_accounts=[stranger])) == ["NO_VALID_AD_ACCOUNT"]
