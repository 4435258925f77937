#!/usr/bin/env ruby
# frozen_string_literal: true

# Drive ActiveMerchant's OppGateway (gem source unmodified) against a local OPP sandbox.
#
#   AM_LIB=/path/to/active_merchant/lib ruby drive_am_opp.rb http://127.0.0.1:PORT \
#       [--token BEARER] [--entity ENTITY_ID] [--test-mode EXTERNAL|INTERNAL] [--json]
#
# (or: ruby -I /path/to/active_merchant/lib drive_am_opp.rb ...)
#
# The host is changed through the gateway's class attributes test_url/live_url
# (class_attribute in ActiveMerchant::Billing::Gateway), which the gateway derives every URL
# from: store -> .../registrations, token purchase -> .../registrations/{id}/payments,
# capture/refund/void -> .../payments/{id}.  Connection#configure_ssl skips SSL for http://.
#
# Defaults are AM's own public test fixtures (test/fixtures.yml `opp:`).
# Exit status 0 when every step behaved as expected.

$LOAD_PATH.unshift(ENV['AM_LIB']) if ENV['AM_LIB']
require 'optparse'
require 'json'
require 'active_merchant'

opts = {
  token: 'OGE4Mjk0MTc0YjdlY2IyODAxNGI5Njk5MjIwMDE1Y2N8c3k2S0pzVDg=',
  entity: '8a8294174d0a8edd014d242337942575',
  test_mode: nil,
  json: false
}
OptionParser.new do |o|
  o.banner = 'usage: drive_am_opp.rb BASE_URL [options]'
  o.on('--token T', 'Bearer access token') { |v| opts[:token] = v }
  o.on('--entity E', 'entityId (sent as authentication.entityId)') { |v| opts[:entity] = v }
  o.on('--test-mode M', 'EXTERNAL|INTERNAL -> testMode parameter') { |v| opts[:test_mode] = v }
  o.on('--json', 'print a JSON summary') { opts[:json] = true }
end.parse!
base = ARGV.shift or abort('usage: drive_am_opp.rb BASE_URL [options]')
base = base.chomp('/')

include ActiveMerchant::Billing

Base.mode = :test
OppGateway.test_url = "#{base}/v1/payments"
OppGateway.live_url = "#{base}/v1/payments"

gw = OppGateway.new(access_token: opts[:token], entity_id: opts[:entity])

def card(number, brand: 'visa', cvv: '123')
  CreditCard.new(number: number, month: 5, year: Time.now.year + 2, first_name: 'Jane',
                 last_name: 'Jones', verification_value: cvv, brand: brand)
end

visa = card('4200000000000000')
amex = card('377777777777770', brand: 'amex', cvv: '1234') # AM's remote test spelling; auto-detected 'american_express' would go out as paymentBrand=AMERICAN_EXPRESS
bad = card('4444444444444444')
options = { order_id: "am-#{Time.now.to_i}", description: 'drive_am_opp',
            billing_address: { address1: '123 Test Street', city: 'Test', state: 'TE', zip: 'AB12CD', country: 'GB' } }
options[:test_mode] = opts[:test_mode] if opts[:test_mode]

results = []
step = lambda do |name, expect_success = true, &blk|
  r = blk.call
  ok = (r.success? == expect_success)
  results << { step: name, ok: ok, success: r.success?, code: r.params.dig('result', 'code') || r.error_code,
               message: r.message, authorization: r.authorization }
  printf("%-32s %-6s %-12s %s\n", name, ok ? 'ok' : 'FAIL', results.last[:code], r.message)
  r
rescue StandardError => e
  results << { step: name, ok: false, exception: "#{e.class}: #{e.message}" }
  printf("%-32s FAIL   %s: %s\n", name, e.class, e.message)
  nil
end

st = step.call('store') { gw.store(visa, options.dup) }
token = st&.authorization
step.call('store (invalid card -> fail)', false) { gw.store(bad, options.dup) }

pu = step.call('purchase (card)') { gw.purchase(100, visa, options.dup) }
pr = step.call('purchase+create_registration') { gw.purchase(100, amex, options.merge(create_registration: true)) }
if pr && !pr.params['registrationId']
  results << { step: 'registrationId in reply', ok: false }
  puts 'registrationId in reply          FAIL'
end
step.call('purchase (token string)') { gw.purchase(250, token, options.dup) } if token
step.call('purchase (token + cvv only)') { gw.purchase(260, visa, options.merge(registrationId: token)) } if token
step.call('purchase (risk_workflow PA.CP)') { gw.purchase(270, visa, options.merge(risk_workflow: true)) }
step.call('purchase (invalid card -> fail)', false) { gw.purchase(100, bad, options.dup) }

au = step.call('authorize') { gw.authorize(500, visa, options.dup) }
step.call('capture') { gw.capture(500, au.authorization, options.dup) } if au&.authorization
step.call('refund') { gw.refund(50, pu.authorization, options.dup) } if pu&.authorization
au2 = step.call('authorize #2') { gw.authorize(600, visa, options.dup) }
step.call('void') { gw.void(au2.authorization, options.dup) } if au2&.authorization
step.call('verify (PA 1.00 + RV)') { gw.verify(visa, options.dup) }
step.call('capture unknown id -> fail', false) { gw.capture(100, '8a8444494a0033a6014e12b371fb6a1e', options.dup) }

failed = results.reject { |r| r[:ok] }
puts "\n#{results.size} steps, #{results.size - failed.size} passed, #{failed.size} failed"
puts JSON.pretty_generate(results) if opts[:json]
exit(failed.empty? ? 0 : 1)
