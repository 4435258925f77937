"""ISO 4217 currencies a payment may use (opp.md §5, §8.5: 100.550.401 invalid currency).

The active circulating alphabetic codes. Left out on purpose: the X-codes that are not money one
pays with (XXX no currency, XTS testing, XAU/XAG/XPT/XPD metals, XDR/XSU/XUA/XBA-XBD units) and
the fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW). Which of those OPP refuses exactly
is not published; a real acquirer settles none of them.
"""

from __future__ import annotations

ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF
XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
""".split())

INVALID_CURRENCY = "100.550.401"


def valid(code: str | None) -> bool:
    return code is None or code in ISO_4217
