-- SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
--
-- bpftcp.lua: a Wireshark/tshark dissector for bpftcp's two TCP header
-- options, both RFC 6994 experimental options (kind 253) told apart by
-- their 16-bit ExID:
--
--   delack  ExID 0xDA1C, 7 bytes: flags (0x01 RESEND), max_ack_delay in
--           units of 100 us (1..10000)          include/bpftcp/delack_opt.h
--   ccneg   ExID 0xCC4E, 6..13 bytes: ctl (0x01 RESEND, 0x02 ANSWER), then
--           an offer of 1..8 algorithm ids, or an answer of one id (0:
--           nothing in common)                  include/bpftcp/ccneg_opt.h
--
-- A post-dissector: for every TCP header in the frame it walks the options
-- Wireshark found (tcp.options) and decodes ours, checking every rule the
-- C decoders check (hdropt_delack_decode(), hdropt_ccneg_decode()): an
-- option they would reject is shown as malformed, with the reason, and
-- its values are not shown, since a receiver ignores it.
--
-- Load it for one run:   tshark -X lua_script:bpftcp.lua -r cap.pcap -O bpftcp
-- or install it:         make install puts it in
--                        $(PREFIX)/lib/$(MULTIARCH)/wireshark/plugins/, the
--                        plugin directory of Debian's Wireshark when PREFIX
--                        is /usr; else copy it to ~/.local/lib/wireshark/plugins/.
-- Fields: bpftcp.option, bpftcp.exid, bpftcp.length, bpftcp.malformed,
--   bpftcp.delack.{flags,resend,max_delay_units,max_delay_us},
--   bpftcp.ccneg.{ctl,resend,answer,kind,alg,algs,choice,choice_name}.

local DELACK_EXID = 0xDA1C
local CCNEG_EXID = 0xCC4E
local KIND = 253

-- The ccneg registry (include/bpftcp/ccneg_opt.h, enum hdropt_ccneg_id):
-- ids never change; netns-tests/test-ccneg.sh checks this copy against it.
local ccneg_ids = {
	[0] = "none",
	[1] = "reno",
	[2] = "cubic",
	[3] = "dctcp",
	[4] = "bbr",
	[5] = "vegas",
	[6] = "westwood",
	[7] = "bic",
	[8] = "htcp",
	[9] = "highspeed",
	[10] = "hybla",
	[11] = "illinois",
	[12] = "scalable",
	[13] = "yeah",
	[14] = "veno",
	[15] = "lp",
	[16] = "nv",
	[17] = "cdg",
}

local p = Proto("bpftcp", "bpftcp TCP header options")

local pf = {
	option = ProtoField.string("bpftcp.option", "Option"),
	exid = ProtoField.uint16("bpftcp.exid", "ExID", base.HEX),
	length = ProtoField.uint8("bpftcp.length", "Length"),
	malformed = ProtoField.string("bpftcp.malformed", "Malformed"),
	dl_flags = ProtoField.uint8("bpftcp.delack.flags", "Flags", base.HEX),
	dl_resend = ProtoField.bool("bpftcp.delack.resend", "Resend", 8, nil, 0x01),
	dl_units = ProtoField.uint16("bpftcp.delack.max_delay_units", "Max ACK delay (100 us units)"),
	dl_us = ProtoField.uint32("bpftcp.delack.max_delay_us", "Max ACK delay (us)"),
	cn_ctl = ProtoField.uint8("bpftcp.ccneg.ctl", "Control", base.HEX),
	cn_resend = ProtoField.bool("bpftcp.ccneg.resend", "Resend", 8, nil, 0x01),
	cn_answer = ProtoField.bool("bpftcp.ccneg.answer", "Answer", 8, nil, 0x02),
	cn_kind = ProtoField.string("bpftcp.ccneg.kind", "Kind"),
	cn_alg = ProtoField.uint8("bpftcp.ccneg.alg", "Offered algorithm", base.DEC, ccneg_ids),
	cn_algs = ProtoField.string("bpftcp.ccneg.algs", "Offered algorithms"),
	cn_choice = ProtoField.uint8("bpftcp.ccneg.choice", "Chosen algorithm", base.DEC, ccneg_ids),
	cn_choice_name = ProtoField.string("bpftcp.ccneg.choice_name", "Chosen algorithm name"),
}
p.fields = pf

local ex_malformed = ProtoExpert.new("bpftcp.malformed.expert", "Malformed bpftcp option",
	expert.group.MALFORMED, expert.severity.WARN)
p.experts = { ex_malformed }

local f_tcp_options = Field.new("tcp.options")

local function alg_name(id)
	return ccneg_ids[id] or ("id " .. id)
end

-- Why the delack option at r (avail bytes from its start) is invalid, or nil.
local function delack_check(r, avail)
	local len = r:range(1, 1):uint()
	if len > avail then return "truncated" end
	if len ~= 7 then return "wrong length" end
	if bit.band(r:range(4, 1):uint(), 0xFE) ~= 0 then return "reserved flag set" end
	local units = r:range(5, 2):uint()
	if units < 1 then return "zero delay" end
	if units > 10000 then return "delay above 1 s" end
	return nil
end

-- The same for ccneg (hdropt_ccneg_check()).
local function ccneg_check(r, avail)
	local len = r:range(1, 1):uint()
	if len > avail then return "truncated" end
	if len < 6 or len > 13 then return "wrong length" end
	local ctl = r:range(4, 1):uint()
	local answer = bit.band(ctl, 0x02) ~= 0
	if bit.band(ctl, 0xFC) ~= 0 then return "reserved control bit set" end
	if bit.band(ctl, 0x01) ~= 0 and not answer then return "RESEND in an offer" end
	local n = len - 5
	if answer and n ~= 1 then return "wrong length" end
	local seen = {}
	for i = 0, n - 1 do
		local id = r:range(5 + i, 1):uint()
		if id == 255 then return "reserved id 255" end
		if id == 0 and not answer then return "id 0 in an offer" end
		if seen[id] then return "id offered twice" end
		seen[id] = true
	end
	return nil
end

-- The subtree of option @name at r, with its header fields; nil when
-- check() rejects it (then shown as malformed, with the reason).
local function option_tree(r, avail, tree, pinfo, name, check)
	local len = math.min(r:range(1, 1):uint(), avail)
	local t = tree:add(p, r:range(0, len), "bpftcp " .. name .. " option")
	t:add(pf.option, r:range(0, 2), name)
	t:add(pf.length, r:range(1, 1))
	t:add(pf.exid, r:range(2, 2))
	local why = check(r, avail)
	if not why then return t, len end
	t:add(pf.malformed, r:range(0, len), why)
	t:add_proto_expert_info(ex_malformed, "malformed bpftcp " .. name .. " option: " .. why)
	t:append_text(": malformed (" .. why .. ")")
	pinfo.cols.info:append(" [bpftcp " .. name .. " malformed]")
	return nil
end

local function dissect_delack(r, avail, tree, pinfo)
	local t = option_tree(r, avail, tree, pinfo, "delack", delack_check)
	if not t then return end
	local units = r:range(5, 2):uint()
	t:add(pf.dl_flags, r:range(4, 1))
	t:add(pf.dl_resend, r:range(4, 1))
	t:add(pf.dl_units, r:range(5, 2))
	t:add(pf.dl_us, r:range(5, 2), units * 100)
	t:append_text(string.format(": max ACK delay %.1f ms", units / 10))
	pinfo.cols.info:append(string.format(" [delack %.1fms]", units / 10))
end

local function dissect_ccneg(r, avail, tree, pinfo)
	local t, len = option_tree(r, avail, tree, pinfo, "ccneg", ccneg_check)
	if not t then return end
	local ctl = r:range(4, 1):uint()
	t:add(pf.cn_ctl, r:range(4, 1))
	t:add(pf.cn_resend, r:range(4, 1))
	t:add(pf.cn_answer, r:range(4, 1))
	if bit.band(ctl, 0x02) ~= 0 then
		local id = r:range(5, 1):uint()
		t:add(pf.cn_kind, r:range(4, 1), "answer")
		t:add(pf.cn_choice, r:range(5, 1))
		t:add(pf.cn_choice_name, r:range(5, 1), alg_name(id))
		t:append_text(": answer " .. alg_name(id))
		pinfo.cols.info:append(" [ccneg answer " .. alg_name(id) .. "]")
		return
	end
	local names = {}
	t:add(pf.cn_kind, r:range(4, 1), "offer")
	for i = 0, len - 6 do
		t:add(pf.cn_alg, r:range(5 + i, 1))
		names[#names + 1] = alg_name(r:range(5 + i, 1):uint())
	end
	local list = table.concat(names, ",")
	t:add(pf.cn_algs, r:range(5, len - 5), list)
	t:append_text(": offer " .. list)
	pinfo.cols.info:append(" [ccneg offer " .. list .. "]")
end

-- Walks the options of one TCP header (r: all of them).
local function walk(r, tree, pinfo)
	local n = r:len()
	local i = 0
	while i < n do
		local kind = r:range(i, 1):uint()
		if kind == 0 then break end
		if kind == 1 then
			i = i + 1
		else
			if i + 1 >= n then break end
			local olen = r:range(i + 1, 1):uint()
			if olen < 2 then break end
			if kind == KIND and i + 4 <= n then
				local exid = r:range(i + 2, 2):uint()
				if exid == DELACK_EXID then
					dissect_delack(r:range(i), n - i, tree, pinfo)
				elseif exid == CCNEG_EXID then
					dissect_ccneg(r:range(i), n - i, tree, pinfo)
				end
			end
			i = i + olen
		end
	end
end

function p.dissector(tvb, pinfo, tree)
	for _, fi in ipairs({ f_tcp_options() }) do
		local r = fi.range
		if r and r:len() > 0 then
			walk(r, tree, pinfo)
		end
	end
end

register_postdissector(p)
