package content

// This file is the vocabulary of the injection scorer: phrase families,
// their weights, and the cue pairs that only count together.
//
// Patterns are written in normalised form (see normalize.go): lower case,
// ASCII look-alikes, one space for any white space. A pattern that starts
// (ends) with a letter or digit only matches at a word start (end). The
// weights are in points: the score is 1 - 2^-points, so one point is the
// default alert threshold of 0.5, and a family never adds more than its cap.
//
// The lists were written from the attack families in the literature and the
// public benchmarks (override, role markers, fake completions, concealment,
// tool steering, exfiltration, evaluator manipulation), then pruned against
// hard negatives (command cheat sheets, tutorials, recipes, READMEs, agent
// instruction files). A phrase that also occurs in ordinary documentation
// gets a small weight, or only counts as a cue next to another cue.

type family uint8

const (
	famOverride  family = iota // ignore/disregard previous instructions
	famRole                    // chat-template tokens, [system], <instructions>
	famSeparator               // fake end of document, fake task completion
	famConceal                 // do not tell the user, secretly
	famToolCall                // call tool X, do not use other tools
	famExfil                   // send credentials/conversation to a destination
	famAddress                 // speaks to the AI: "if you are an AI", "note to LLM"
	famSteer                   // dictates the model's reply: "in your response"
	famVerdict                 // manipulates a judgement: "not malicious"
	famUrgency                 // "extremely important", "the system will crash"
	famAdhere                  // "you must strictly adhere", "new instructions"
	famDanger                  // destructive or remote-control commands
	famCode                    // "add the following code snippet to your solution"
	famHidden                  // instructions inside comments, hidden or encoded text
	famCodeRisk                // what inserted code does (only with famCode)
	numFamilies
)

var familyNames = [numFamilies]string{
	"override", "role", "separator", "conceal", "toolcall", "exfil",
	"address", "steer", "verdict", "urgency", "adhere", "danger", "code",
	"hidden", "coderisk",
}

// familyCap bounds what one family adds to the points.
var familyCap = [numFamilies]float32{
	famOverride:  2,
	famRole:      0.9, // markup alone (a chat-template how-to) stays below 0.5
	famSeparator: 1,
	famConceal:   2,
	famToolCall:  1.5,
	famExfil:     1.5,
	famAddress:   1,
	famSteer:     1.5,
	famVerdict:   1,
	famUrgency:   0.75,
	famAdhere:    1.5,
	famDanger:    1,
	famCode:      0.75,
	famHidden:    1,
	famCodeRisk:  0.5,
}

// cue marks a phrase that takes part in a cue pair.
type cue uint8

const (
	cueNone           cue = iota
	cueOverrideVerb       // ignore, disregard, forget
	cueOverrideStrong     // previous instructions, system prompt, safety rules
	cueOverrideWeak       // the above, everything else, and instead
	cueConcealVerb        // do not tell, without informing
	cueConcealUser        // the user, the human
	cueConcealObj         // anyone, that you, why
	cueImpVerb            // sentence-initial verbs that rewrite a reply
	cueImpSoft            // sentence-initial verbs that merely ask for one
	cueOutput             // your response, your reply
	cueUseVerb            // call the, use the, invoke
	cueTool               // tool, function
	cueSendVerb           // send, forward, upload, pass
	cueSensitive          // credentials, ~/.ssh, conversation history
	cueDest               // http://, attacker, external server
	cueCodeRef            // following code snippet, code block
	cueCodeYour           // your implementation, your solution
	cueYouAreNow          // you are now
	cueMode               // mode, admin
	cueOutputIntro        // in your response, (then a verb)
	cueLink               // www., https://, click here
	cueContent            // a sentence, a statement, a quote: content for a reply
	cueVerbAny            // the reply-rewriting verbs anywhere
	cueTransform          // base64, caesar cipher, emojis, in french
	cueRunVerb            // execute, run
	cueDanger             // rm -rf /, reverse shells
	cueZhCall             // 调用 (call)
	cueZhTool             // 工具 (tool)
	cueTurn               // chat-template tokens and fake turn or role markers
	cueCommentOpen        // <!--
	cueCommentClose       // -->
	numCues
)

// phraseSet is a list of patterns sharing a family, weight, cue and flags.
type phraseSet struct {
	fam  family
	w    float32
	cue  cue
	flag uint8
	pats []string
}

const (
	flagSentence uint8 = 1 << iota // must start a sentence, line or list item
	flagPrefix                     // may be followed by more word characters
	flagStrict                     // must be followed by white space, a quote or the end
	flagNoPoss                     // must not be followed by "'s"
	flagEmail                      // "@" inside an e-mail address
)

// combo gives points when a phrase of cue a is followed, within gap bytes
// and in the same sentence, by a phrase of cue b (and, when c is set, b by
// a phrase of cue c). With any, b may also come first. With mood, the
// points are halved unless a is in the imperative (starts a sentence,
// possibly after "please", "you must" …): "send the password to …" is an
// order, "attackers can send the password to …" a description.
type combo struct {
	a, b, c cue
	gap     int
	fam     family
	w       float32
	any     bool
	mood    bool
}

var combos = []combo{
	{a: cueOverrideVerb, b: cueOverrideStrong, gap: 40, fam: famOverride, w: 1.5, mood: true},
	{a: cueOverrideVerb, b: cueOverrideWeak, gap: 24, fam: famOverride, w: 0.75, mood: true},
	{a: cueConcealVerb, b: cueConcealUser, gap: 32, fam: famConceal, w: 1},
	{a: cueConcealVerb, b: cueConcealObj, gap: 24, fam: famConceal, w: 0.5},
	{a: cueImpVerb, b: cueOutput, gap: 120, fam: famSteer, w: 1},
	{a: cueImpSoft, b: cueOutput, gap: 120, fam: famSteer, w: 0.5},
	{a: cueLink, b: cueOutput, gap: 120, fam: famSteer, w: 0.5, any: true},
	{a: cueImpSoft, b: cueContent, c: cueOutput, gap: 80, fam: famSteer, w: 0.5},
	{a: cueOutputIntro, b: cueVerbAny, gap: 12, fam: famSteer, w: 0.75},
	{a: cueTransform, b: cueOutput, gap: 60, fam: famSteer, w: 0.5, any: true},
	{a: cueUseVerb, b: cueTool, gap: 48, fam: famToolCall, w: 0.25},
	{a: cueSendVerb, b: cueSensitive, gap: 60, fam: famExfil, w: 0.5, mood: true},
	{a: cueSendVerb, b: cueDest, gap: 60, fam: famExfil, w: 0.25, mood: true},
	{a: cueSendVerb, b: cueSensitive, c: cueDest, gap: 80, fam: famExfil, w: 0.5, mood: true},
	{a: cueSensitive, b: cueDest, gap: 80, fam: famExfil, w: 0.25},
	{a: cueRunVerb, b: cueDanger, gap: 40, fam: famDanger, w: 0.5, mood: true},
	{a: cueCodeRef, b: cueCodeYour, gap: 60, fam: famCode, w: 0.75, any: true},
	{a: cueYouAreNow, b: cueMode, gap: 30, fam: famAdhere, w: 0.75},
	{a: cueZhCall, b: cueZhTool, gap: 40, fam: famToolCall, w: 0.5},
}

var phraseSets = []phraseSet{
	// --- override -------------------------------------------------------
	{fam: famOverride, cue: cueOverrideVerb, pats: []string{
		"ignore", "ignoring", "disregard", "disregarding", "forget",
		"forgetting", "override", "overriding", "overrule", "bypass",
		"bypassing", "circumvent", "neglect", "discard", "abandon", "skip",
		"pay no attention to", "do not follow", "don't follow", "dont follow",
		"stop following", "no longer follow", "set aside", "throw away",
		"do not obey", "don't obey", "stop obeying",
	}},
	{fam: famOverride, cue: cueOverrideStrong, flag: flagPrefix, pats: []string{
		"previous instruction", "prior instruction", "earlier instruction",
		"above instruction", "preceding instruction", "original instruction",
		"initial instruction", "former instruction", "old instruction",
		"existing instruction", "all instruction", "any instruction",
		"your instruction", "the instructions above", "instructions above",
		"instructions given", "the instructions you", "previous prompt",
		"prior prompt", "original prompt", "system prompt", "system message",
		"system instruction", "developer message", "developer instruction",
		"previous direction", "prior direction", "previous command",
		"prior guideline", "previous guideline", "prior rule",
		"previous rule", "prior directive", "your prior", "your earlier",
		"your initial", "prior programming",
		"previous context", "prior context", "previous conversation",
		"all previous", "all prior", "all earlier", "everything above",
		"everything before", "what you were told", "what you've been told",
		"what you have been told", "your rules", "your guideline",
		"your programming", "your training", "your directive",
		"your constraint", "your restriction", "your previous",
		"your original", "your system", "safety rule", "safety guideline",
		"safety check", "safety filter", "safety measure", "safety protocol",
		"safety polic", "security check", "security rule", "security measure",
		"security protocol", "security polic", "content polic",
		"guardrail", "ethical guideline", "user input", "the user's request",
		"the user's instruction", "user instruction", "the user's question",
		"the user's task", "the task you were given", "all negative",
	}},
	{fam: famOverride, cue: cueOverrideWeak, pats: []string{
		"the above", "everything else", "and instead", "all of the above",
		"them and instead", "it and instead", "this and instead",
		"all rules", "the rules", "all restrictions", "everything",
	}},
	{fam: famOverride, w: 1.5, flag: flagPrefix, pats: []string{
		// German, Spanish, French, Italian, Portuguese, Chinese, Japanese
		"ignoriere alle vorherigen", "ignoriere die vorherigen",
		"ignoriere alle anweisungen", "ignoriere die anweisungen",
		"vergiss alle", "vergiss alles", "vergiss die vorherigen",
		"ignora todas las instrucciones", "ignora las instrucciones",
		"olvida todas las instrucciones", "olvida las instrucciones",
		"ignore les instructions", "ignorez les instructions",
		"ignore toutes les instructions", "ignorez toutes les instructions",
		"oublie toutes les instructions", "oubliez les instructions",
		"ignora le istruzioni", "ignora tutte le istruzioni",
		"ignore as instrucoes", "ignore todas as instrucoes",
		"忽略之前", "忽略以上", "忽略上面", "忽略所有", "忽略先前", "忽略前面",
		"无视之前", "无视以上", "无视所有", "忘记之前", "忘记所有", "忘掉之前",
		"指示を無視", "以前の指示", "이전 지시",
	}},

	// --- role and turn markers ------------------------------------------
	{fam: famRole, w: 0.75, cue: cueTurn, pats: []string{
		"<|im_start|>", "<|system|>", "<|user|>", "<|assistant|>",
		"<|endoftext|>", "<|start_header_id|>", "<|begin_of_text|>",
		"<|channel|>", "<|message|>", "[inst]", "<<sys>>", "<start_of_turn>",
	}},
	{fam: famRole, w: 0.75, cue: cueTurn, pats: []string{
		"[system]", "[[system]]", "<system>", "<system_",
		"[system message]", "[system note]", "[system override]", "[admin]",
		"[admin ", "admin request", "<admin>", "[developer]", "<developer>",
		"<instruction>", "<instructions>", "<secret>", "<hidden>",
		"[assistant]", "<assistant>", "<!-- system", "### instruction:",
		"### instructions:", "### system:", "### new instruction",
		"### response:",
	}},
	{fam: famRole, w: 0.5, pats: []string{
		"<important>", "<information>", "<context>", "[important]",
		"<prompt>",
	}},
	{fam: famRole, w: 0.5, cue: cueTurn, pats: []string{"<admin_", "<sys>"}},
	{fam: famRole, w: 0.25, pats: []string{
		// Closing tags add little to their opening tag.
		"<|im_end|>", "<|eot_id|>", "<|end_header_id|>", "<|end|>",
		"[/inst]", "<</sys>>", "<end_of_turn>", "[/system]", "</system>", "</system_", "</instruction>",
		"</instructions>", "</important>", "</secret>", "</hidden>",
		"</information>", "</prompt>",
	}},
	{fam: famRole, w: 0.5, cue: cueTurn, flag: flagSentence, pats: []string{
		"assistant:", "system message:", "system note:", "system override",
		"new instructions:", "system update:", "system notice:",
	}},
	{fam: famRole, w: 0.25, flag: flagSentence, pats: []string{
		// Also the labels of ordinary records ("System: Linux").
		"system:", "admin:", "ai:", "user:", "human:",
		"instructions for the ai", "instruction for the ai",
	}},

	// --- separators and fake completions --------------------------------
	{fam: famSeparator, w: 0.75, pats: []string{
		"<end of session>", "end of tool output", "end of tool result",
		"</tool_output>", "</tool_result>", "</function_results>",
		"</function_result>", "</search_results>", "answer: task complete",
		"[end of document]", "[end of input]", "<end of document>",
		"end of email ===", "=== end of",
	}},
	{fam: famSeparator, w: 0.5, pats: []string{
		"end of session", "[rest-of-document]", "rest-of-document",
		"end of email", "end of message", "end of page", "=== end",
		"end of context", "end of user input", "</context>", "</documents>",
		"</untrusted", "[/end]", "### end",
	}},
	{fam: famSeparator, w: 0.25, pats: []string{
		"end of document", "end of input", "task complete", "task completed",
		"task is complete", "</document>", "</data>", "--- end",
	}},
	{fam: famSeparator, w: 0.25, flag: flagSentence, pats: []string{
		"answer:", "final answer:", "response:", "output:",
	}},

	// --- concealment ----------------------------------------------------
	{fam: famConceal, cue: cueConcealVerb, pats: []string{
		"do not tell", "don't tell", "dont tell", "never tell", "not tell",
		"do not inform", "don't inform", "never inform", "not inform",
		"do not mention", "don't mention", "never mention", "not mention",
		"do not reveal", "don't reveal", "never reveal", "not reveal",
		"do not disclose", "don't disclose", "never disclose", "not disclose",
		"do not notify", "don't notify", "never notify", "not notify",
		"do not alert", "don't alert", "do not explain", "don't explain",
		"never explain", "do not show", "don't show", "never show",
		"do not display", "don't display",
		"without telling", "without informing", "without notifying",
		"without alerting", "without mentioning", "without letting",
		"hide this from", "hide it from", "keep this from", "keep it from",
		"conceal", "hide",
	}},
	{fam: famConceal, cue: cueConcealUser, flag: flagNoPoss, pats: []string{
		"the user", "user", "users", "the human", "the operator",
		"the recipient", "the owner", "your user", "the person",
	}},
	{fam: famConceal, cue: cueConcealUser, pats: []string{
		"this instruction", "these instructions", "these requirements",
		"this behavior", "this behaviour", "this call", "this tool call",
		"that you were instructed", "your instructions",
	}},
	{fam: famConceal, cue: cueConcealObj, pats: []string{
		"anyone", "that you", "why", "about this", "about it",
		"this message", "this step",
	}},
	{fam: famConceal, w: 1, pats: []string{
		"without the user's knowledge", "without the user knowing",
		"without the user noticing", "without the user's consent",
		"user does not need to know", "user doesn't need to know",
		"user must not know", "user should not know", "user must never know",
		"the user is already aware", "behind the user's back",
	}},
	{fam: famConceal, w: 0.75, pats: []string{
		"secretly", "covertly", "surreptitiously", "invisible to humans",
		"invisible to the user", "hidden from the user", "upset the user",
		"not visible to the user", "the user will not notice",
		"the user won't notice", "without their knowledge",
		"keep this a secret", "keep this secret", "keep it secret",
	}},
	{fam: famConceal, w: 0.75, pats: []string{
		"do not ask for confirmation", "don't ask for confirmation",
		"do not ask the user", "don't ask the user", "without confirmation",
		"without asking for confirmation", "without user confirmation",
		"no need to confirm", "without asking the user",
	}},
	{fam: famConceal, w: 0.5, pats: []string{
		"the user has authorized", "has authorized you to",
		"have authorized you to", "the user has already approved",
		"already been approved by the user", "just say you", "act like you", "pretend you did",
		"implementation detail",
	}},
	{fam: famConceal, w: 0.25, pats: []string{
		"silently", "discreetly", "pretend",
	}},

	// --- tool steering --------------------------------------------------
	{fam: famToolCall, cue: cueUseVerb, pats: []string{
		"use the", "using the", "call the", "calling the", "invoke the",
		"invoking the", "execute the", "executing the", "trigger the",
		"call this", "execute this", "invoke this", "you need to call",
		"you must call", "you must use", "you should call", "must call",
		"must invoke", "must be called", "you need to use", "by using the",
		"first call", "first run", "call tool", "use tool",
	}},
	{fam: famToolCall, cue: cueTool, pats: []string{
		"tool", "tools", "function", "plugin", "mcp server",
	}},
	{fam: famToolCall, w: 1, pats: []string{
		"do not use other tools", "do not use any other tool",
		"don't use other tools", "don't use any other tool",
		"not use other tools", "not use any other tool",
		"instead of the requested tool", "before using any other tool",
		"before calling any other tool", "when this tool is available",
		"side effect on the", "prioritize calling", "priority over other tools",
		"has a very important side effect",
	}},
	{fam: famToolCall, w: 0.75, pats: []string{
		"new instruction from", "new instructions from",
		"before processing any", "before responding to any",
		"before executing any", "before answering any",
		"modify the behavior of", "modify the behaviour of",
		"change the recipient", "replace the recipient", "also call",
		"you need to call", "you must call", "must first run",
		"must first call", "must first read", "you must first",
		"is the highest priority", "prioritize using",
		"停止其他任务", "立即执行",
	}},
	{fam: famToolCall, w: 0.5, pats: []string{
		"call this tool before", "must be called before",
		"must be called first", "before any other tool", "execute this tool", "before using this tool",
		"before you use this tool", "before you execute",
		"before execute", "replace the values with", "the actual recipient",
		"stop other tasks", "otherwise the tool",
	}},
	{fam: famToolCall, cue: cueZhCall, pats: []string{"调用", "使用"}},
	{fam: famToolCall, cue: cueZhTool, pats: []string{"工具", "函数"}},

	// --- exfiltration ---------------------------------------------------
	{fam: famExfil, cue: cueSendVerb, pats: []string{
		"send", "sends", "sending", "forward", "forwarding", "email",
		"e-mail", "upload", "uploading", "post", "transmit", "exfiltrate",
		"leak", "share", "pass", "include", "append", "attach", "copy",
		"bcc", "relay", "collect", "gather", "extract", "dump", "encode",
		"print", "output", "reveal", "disclose", "read", "provide",
		"fetch", "request",
	}},
	{fam: famExfil, cue: cueSensitive, pats: []string{
		"~/.ssh", ".ssh/", "id_rsa", "id_ed25519", "id_ecdsa", "private key",
		"private keys", "ssh key", "ssh keys", "api key", "api keys",
		"apikey", "api_key", "access key", "access token", "auth token",
		"bearer token", "session token", "session cookie", "cookies",
		"credentials", "credential", "password", "passwords", "passphrase",
		"secret key", "secrets", ".env", "/etc/passwd",
		"/etc/shadow", "conversation history", "chat history",
		"message history", "previous messages", "last messages",
		"previous message", "full conversation", "complete conversation",
		"entire conversation", "whole conversation", "conversation context",
		"all messages", "private information", "personal information",
		"personal data", "sensitive data", "sensitive information",
		"bank details", "bank account", "credit card", "card number",
		"full name", "home address", "their address", "phone number",
		"date of birth", "clipboard", "all contacts", "browsing history",
		"social security", "seed phrase", "recovery phrase",
		"verification code", "one-time code", "2fa code", "system prompt",
		"connection string", "environment variables", "wallet",
		"the body of the", "most recent email", "latest email", "all emails",
		"every email", "inbox", "contact list", "address book", "chat logs",
		".aws/credentials", "private repository", "private repo",
	}},
	{fam: famExfil, cue: cueDest, flag: flagEmail, pats: []string{"@"}},
	{fam: famExfil, cue: cueDest, pats: []string{
		"http://", "https://", "ftp://", "webhook", "attacker", "evil.com",
		"to the following address", "to this address", "to this email",
		"to this url", "to the url", "to the endpoint",
		"to an external", "to the external", "external server",
		"remote server", "ngrok", "pastebin", "requestbin", "webhook.site",
		"burpcollaborator", "interact.sh", "@gmail.com", "@proton",
	}},
	{fam: famExfil, w: 1, pats: []string{
		"send all emails to", "forward all emails to",
		"send a copy of all", "copy of all messages", "pass its content",
		"pass its contents", "should contain the user's",
		"must contain the user's", "must contain the complete",
		"must contain the full",
	}},
	{fam: famExfil, w: 0.5, pats: []string{
		"exfiltrate", "send a copy", "forward all", "forward every", "forward the entire",
		"pass the content", "its content as", "as its ascii value",
		"user's previous message", "previous message text",
		"include the full conversation", "contain the complete",
		"including all text",
	}},
	{fam: famExfil, w: 0.25, pats: []string{
		"bcc", "blind copy", "send it to", "send them to", "exfiltration",
	}},

	// --- addressing the model -------------------------------------------
	{fam: famAddress, w: 1, pats: []string{
		"if you are an ai", "if you're an ai", "if you are a language model",
		"if you are an llm", "if you are an assistant", "if you are an agent",
		"if you are a bot", "if you are chatgpt", "if you are claude",
		"ai reading this", "agent reading this", "llm reading this",
		"model reading this", "assistant reading this", "agents reading this",
		"llms reading this", "models reading this", "ais reading this",
		"for the llm", "for the ai", "ps for the", "dear ai",
		"dear assistant", "dear llm", "dear language model", "attention ai",
		"attention llm", "attention agent", "attention assistant",
		"note to ai", "note to the ai", "note to any ai", "to any ai",
		"note to the assistant", "note to assistant", "note to the model",
		"note to automated", "message for the ai", "message to the ai",
		"message for the assistant", "instructions for the assistant",
		"instructions for ai", "visible to llm", "visible to ai",
		"visible to the ai", "visible to the model", "visible to language",
	}},
	{fam: famAddress, w: 0.5, flag: flagSentence, pats: []string{
		"assistant,", "claude,", "chatgpt,", "copilot,", "gemini,", "llm,",
	}},
	{fam: famAddress, w: 0.5, pats: []string{
		"as a helpful assistant", "as an ai assistant", "as your assistant",
		"hey assistant", "hey claude", "hey chatgpt", "hey copilot",
		"hi claude", "hello claude", "dear claude", "hi assistant",
		"hello assistant", "hi chatgpt", "hello chatgpt", "dear chatgpt",
		"important message from me", "message from me, ", "to you, ai",
		"if you are reading this", "to the ai", "note to llm", "hey ai",
		"hello ai", "hi ai", "automated screening", "llm scan",
		"you are an ai", "the ai must", "ai assistant must",
	}},
	{fam: famAddress, w: 0.25, pats: []string{
		"ai assistant", "ai model", "as an ai", "automated review",
		"automated evaluation", "automated analysis", "for llms",
		"dear agent", "the ai should", "the assistant must",
		"the assistant should", "the model must", "the model should",
		"llm must", "ai must",
	}},

	// --- steering the reply ---------------------------------------------
	{fam: famSteer, cue: cueImpVerb, flag: flagSentence, pats: []string{
		// Verbs that rewrite a reply rather than ask for one.
		"integrate", "modify", "enhance", "augment", "translate", "render",
		"encode", "encrypt", "replace", "substitute", "convert", "express",
		"rearrange", "scramble", "jumble", "misspell", "introduce", "apply",
		"shift", "reverse", "combine", "group", "insert", "append",
		"begin", "start", "end", "format", "promote", "tease", "hint",
		"claim", "always", "never", "only", "instead", "rewrite", "alter",
		"finish", "conclude", "prefix", "sign", "respond", "reply",
		"spread", "highlight", "emphasize", "stress", "anagram",
	}},
	{fam: famSteer, cue: cueImpSoft, flag: flagSentence, pats: []string{
		// Verbs a customer e-mail uses too ("include your order number
		// in your reply").
		"add", "include", "mention", "say", "tell", "state", "write",
		"suggest", "recommend", "make", "output", "print", "remove",
		"provide", "use", "give", "answer", "can you", "could you",
		"please", "be sure", "make sure", "ensure", "remember",
	}},
	{fam: famSteer, cue: cueContent, pats: []string{
		"a sentence", "a statement", "a line", "a fact", "a reason",
		"a tip", "a note", "a paragraph", "a reference", "a mention",
		"a teaser", "a reminder", "a recommendation", "a claim",
		"a headline", "a promotion", "a disclaimer", "a fabricated",
		"a misleading", "a false", "a compelling", "a friendly", "a fake",
		"a link", "an appeal", "a phrase", "the phrase", "the sentence",
	}},
	{fam: famSteer, cue: cueLink, pats: []string{
		"www.", "http://", "https://", "click this link", "click here",
		"visit ",
	}},
	{fam: famSteer, cue: cueVerbAny, pats: []string{
		"integrate", "modify", "enhance", "augment", "translate", "render",
		"encode", "encrypt", "substitute", "convert", "express",
		"rearrange", "scramble", "jumble", "misspell", "insert", "promote",
		"claim", "tease", "hint", "highlight", "emphasize", "stress",
		"spread", "advertise", "urge",
	}},
	{fam: famSteer, cue: cueOutput, pats: []string{
		"your response", "your responses", "your reply", "your replies",
		"your answer", "your answers", "your output", "your summary",
		"your final answer", "your next response", "your message",
		"every response", "each response", "all responses", "every reply",
		"reply in", "respond in", "answer in", "reply using",
		"respond using", "answer using",
	}},
	{fam: famSteer, cue: cueOutputIntro, pats: []string{
		"in your response,", "in your reply,", "in your answer,",
		"in your response", "in your reply", "in your answer",
		"in your summary", "in your output",
	}},
	{fam: famSteer, cue: cueTransform, pats: []string{
		"base64", "base32", "base58", "base16", "base85", "hexadecimal",
		"caesar", "cipher", "rot13", "morse", "pig latin", "leetspeak",
		"leet speak", "emoji", "emojis", "anagram", "anagrams", "anagrammed",
		"reverse", "reversed", "backwards", "backward", "invert", "scramble",
		"scrambled", "misspell", "misspellings", "typos", "without spaces",
		"without any spaces", "no spaces", "substitution", "symbols",
		"every third", "every fourth", "every other", "all caps",
		"vowels", "consonants", "spaces", "punctuation",
		"uppercase only", "french", "german", "spanish", "italian",
		"portuguese", "russian", "chinese", "japanese", "korean", "arabic",
		"dutch", "hindi", "turkish", "polish", "swedish", "latin",
	}},
	{fam: famSteer, w: 1, pats: []string{
		"respond with the following", "reply with the following",
		"answer with the following", "output the following",
		"repeat after me", "you may not deviate", "you must not deviate",
		"you will only respond", "you will only reply",
	}},
	{fam: famSteer, w: 0.5, pats: []string{
		"from now on you will", "from now on, you will",
	}},
	{fam: famSteer, w: 0.5, flag: flagSentence, pats: []string{
		"reply in", "respond in", "answer in", "reply using",
		"respond using", "answer using", "reply only in", "respond only in",
		"write your reply", "write your response", "write your answer",
	}},
	{fam: famSteer, w: 0.25, pats: []string{
		"from now on", "you will speak",
	}},
	{fam: famSteer, w: 0.75, pats: []string{
		"respond only", "only respond", "only output", "only reply with",
		"reply only with", "answer only with", "only the following text",
		"absolutely nothing else", "simply respond", "simply reply",
		"simply say", "always respond", "always reply", "always answer",
		"always say", "instead reply", "instead respond", "instead say",
		"instead, reply", "instead, respond", "instead, say",
		"instead output", "do not deviate", "must not deviate",
		"may not deviate", "repeat the following",
	}},
	{fam: famSteer, w: 0.5, pats: []string{
		"and nothing else", "just respond", "if questioned",
		"if the user asks", "if user asks", "if anyone asks",
		"focus exclusively on", "always suggest", "always recommend",
		"your reply should", "your response should",
		"tell the user that", "inform the user that", "tell the user the",
		"your answer should", "you will respond", "you will reply",
		"you will answer", "you will say", "you will output",
	}},
	{fam: famSteer, w: 0.25, pats: []string{
		"in your response", "in your reply", "in your answer",
		"in your output", "in your summary", "to your response",
		"to your reply", "to your answer", "the summary should",
		"when summarizing", "when summarising", "when you summarize",
		"when you summarise", "respond with", "if asked", "when asked", "focus only on",
		"always include", "always attempt", "print '", "print \"", "say '",
		"say \"", "output '", "output \"",
	}},
	{fam: famSteer, w: 0.1, pats: []string{
		"reply with", "answer with", "report that", "regardless of",
	}},

	// --- verdict manipulation -------------------------------------------
	{fam: famVerdict, w: 0.75, pats: []string{
		"clearly not malicious", "override manual", "do not flag",
		"don't flag", "mark this as safe", "mark it as safe",
		"mark as safe", "classify this as safe", "classify it as safe",
		"classify as safe", "highest possible score", "not a phishing",
		"mark this as benign", "mark it as benign",
	}},
	{fam: famVerdict, w: 0.5, pats: []string{
		"pre-verified",
		"do not evaluate", "don't evaluate", "do not analyze",
		"do not analyse", "is not spam", "classify this as",
		"classify it as", "highest score",
	}},
	{fam: famVerdict, w: 0.25, pats: []string{
		"not malicious", "everything is safe", "manual scoring",
		"this is a test", "pre-approved",
		"is completely safe", "not spam", "is totally safe",
	}},

	// --- urgency and authority ------------------------------------------
	{fam: famUrgency, w: 0.75, pats: []string{
		"system will crash", "cause the tool to malfunction",
		"stop what you are doing", "stop all other tasks",
	}},
	{fam: famUrgency, w: 0.5, pats: []string{
		"extremely important", "very very important", "iron rule",
		"cannot be skipped", "must not be skipped", "is not optional",
		"this is mandatory", "at all costs", "execute immediately",
		"will malfunction", "tool will not work", "data will be lost",
		"highest priority", "critical requirement", "priority=\"critical\"",
		"stop everything",
	}},
	{fam: famUrgency, w: 0.25, pats: []string{
		"important:", "very important", "really important", "critical:",
		"urgent:", "mandatory:", "without exception", "under no circumstances",
		"no matter what", "will crash", "will not work properly",
		"compliance requirement", "top priority", "required for security",
	}},
	{fam: famUrgency, w: 0.1, pats: []string{
		"mandatory", "immediately", "failing to",
	}},

	// --- adherence and new roles ----------------------------------------
	{fam: famAdhere, w: 1, pats: []string{
		"you must strictly adhere", "you must obey", "obey the following",
		"your new task", "your task is now", "your real task",
		"your actual task", "your true task", "your new role",
		"your new instructions", "you are no longer", "no longer bound by",
		"do anything now", "act as if you",
	}},
	{fam: famAdhere, w: 0.75, pats: []string{
		"strictly adhere", "follow these new instructions",
		"following new instructions", "admin mode", "dan mode", "god mode",
		"grant admin access", "grant me admin", "grant yourself",
		"access granted",
	}},
	{fam: famAdhere, w: 0.5, pats: []string{
		"without restrictions", "without any restrictions", "an ai without",
		"no restrictions", "unfiltered", "uncensored",
		"before you can solve", "before you can complete",
		"the task i gave you", "the task that i gave you",
		"do the following first", "please do the following",
		"grant permanent access", "grant full access",
		"must strictly", "strictly follow", "must obey", "new instructions",
		"the following instruction:", "new task:", "new role:",
		"developer mode", "jailbreak", "jailbroken", "pretend to be",
		"pretend you are", "pretend that you", "roleplay as",
		"not bound by",
	}},
	{fam: famAdhere, w: 0.25, pats: []string{
		"updated instructions", "act as if", "admin access",
		"admin privileges", "root access", "elevated privileges",
		"unrestricted mode", "you have been granted",
	}},
	{fam: famAdhere, cue: cueYouAreNow, pats: []string{
		"you are now", "you're now", "you are in", "you're in",
	}},
	{fam: famAdhere, cue: cueMode, pats: []string{
		"mode", "admin", "administrator", "root", "dan", "unrestricted",
	}},

	// --- dangerous commands ---------------------------------------------
	{fam: famDanger, cue: cueRunVerb, pats: []string{
		"execute", "run", "exec", "launch", "invoke", "paste",
	}},
	{fam: famDanger, w: 0.75, cue: cueDanger, pats: []string{
		"bash -i >&", ":(){ :|:& };:", "powershell -enc",
		"-encodedcommand", "base64 -d | sh", "base64 -d | bash",
		"base64 --decode | sh", "base64 --decode | bash",
	}},
	{fam: famDanger, w: 0.5, cue: cueDanger, pats: []string{
		"nc -e", "ncat -e", "/bin/sh -i", "/bin/bash -i", "/dev/tcp/",
		"os.dup2(", "pty.spawn(", "reverse shell", "keylogger",
		"cryptominer", "cryptomine", "xmrig", "stratum+tcp",
		"dd if=/dev/random of=/dev/", "dd if=/dev/zero of=/dev/sd",
		"shutil.rmtree(\"/\")", "shutil.rmtree('/')", "certutil -urlcache",
		"download and run", "download and execute", "/etc/shadow",
		"win+r", "win + r", "windows key + r",
		"paste it into the terminal", "paste it into your terminal",
	}},
	{fam: famDanger, w: 0.5, cue: cueDanger, flag: flagStrict, pats: []string{
		"rm -rf /", "rm -rf ~", "rm -rf /*", "rm -rf ~/",
	}},
	{fam: famDanger, w: 0.25, cue: cueDanger, flag: flagStrict, pats: []string{
		"| sh", "| bash", "|sh", "|bash", "| sudo sh", "| sudo bash",
	}},
	{fam: famDanger, w: 0.15, pats: []string{
		// References to secrets files; ssh cheat sheets have them all.
		"authorized_keys", "/etc/passwd", "id_rsa", "~/.ssh", ".cursor/mcp.json",
	}},
	{fam: famDanger, w: 0.25, pats: []string{
		"keylogging", "pynput", "invoke-expression", "iex(",
		"frombase64string", "mshta", "mining pool",
	}},

	// --- code insertion -------------------------------------------------
	{fam: famCode, cue: cueCodeRef, pats: []string{
		"following code", "below code", "subsequent code", "code snippet",
		"code block", "code excerpt", "code section", "code segment",
	}},
	{fam: famCodeRisk, w: 0.25, pats: []string{
		// Only counted next to a code-insertion request: what the code
		// does (network, shell, keyboard, files, crypto, persistence).
		"subprocess.", "os.system(", "os.popen(", "socket.socket(",
		"requests.post(", "requests.get(", "urllib.request", "smtplib",
		"ftplib", "pynput", "keyboard.", "psutil.", "scapy", "/etc/hosts",
		"cookies.txt", "cookiejar", "getpass", "os.environ", "shutil.",
		"os.remove(", "os.fork(", "while true:", "imagegrab", "pyautogui",
		"fernet", "cryptography.", "nohup", "chmod +x", "curl ", "wget ",
		"eval(", "exec(", "pickle.loads(", "wmi.", "winreg",
	}},
	{fam: famCode, cue: cueCodeYour, pats: []string{
		"your code", "your implementation", "your solution", "your codebase",
		"your algorithm", "your response", "your answer", "your program",
		"your script", "your elucidation", "your logic", "your reply",
		"your solution logic", "your function",
	}},

	// --- structure ------------------------------------------------------
	{fam: famHidden, cue: cueCommentOpen, pats: []string{"<!--"}},
	{fam: famHidden, cue: cueCommentClose, pats: []string{"-->"}},
}

// phrase is one compiled pattern.
type phrase struct {
	text  string
	fam   family
	cue   cue
	flag  uint8
	w     float32
	left  bool // must start at a word boundary
	right bool // must end at a word boundary
}

// phraseTable is built once: the flat pattern list and two automata, one
// for the ASCII patterns and one for the few with other characters (run
// only on texts that have such characters).
type phraseTable struct {
	pats  []phrase
	ac    *automaton
	acIdx []int32 // pattern index in ac → index in pats
	wide  *automaton
	wdIdx []int32
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' ||
		'A' <= c && c <= 'Z'
}

func buildPhraseTable() *phraseTable {
	t := &phraseTable{}
	var ascii, wide []string
	for _, set := range phraseSets {
		for _, p := range set.pats {
			ph := phrase{
				text: p, fam: set.fam, cue: set.cue, flag: set.flag, w: set.w,
				left:  isWordByte(p[0]),
				right: isWordByte(p[len(p)-1]) && set.flag&flagPrefix == 0,
			}
			idx := int32(len(t.pats))
			t.pats = append(t.pats, ph)
			if isASCII(p) {
				ascii = append(ascii, p)
				t.acIdx = append(t.acIdx, idx)
			} else {
				wide = append(wide, p)
				t.wdIdx = append(t.wdIdx, idx)
			}
		}
	}
	t.ac = buildAutomaton(ascii, true, byteClass)
	t.wide = buildAutomaton(wide, true, wideByteClass)
	return t
}
