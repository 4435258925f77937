"""The Access Worldpay domain, no HTTP: `tokens` (life cycle, policy, the one token constructor),
`operations` (one function per Tokens request), `network` (network tokens), `verified` (Verified
Tokens), `payments` (the payment engine behind /api/payments and Card Payments v7), `opaque`
(link ids), `state` (what a tenant holds beside tokens and payments), `errors`, `scope`."""
