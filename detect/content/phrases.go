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
	numFamilies
)

var familyNames = [numFamilies]string{
	"override", "role", "separator", "conceal", "toolcall", "exfil",
	"address", "steer", "verdict", "urgency", "adhere", "danger", "code",
	"hidden",
}

// familyCap bounds what one family adds to the points.
var familyCap = [numFamilies]float32{
	famOverride:  2,
	famRole:      1.5,
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
}

// cue marks a phrase that takes part in a cue pair.
type cue uint8

const (
	cueNone          cue = iota
	cueOverrideVerb      // ignore, disregard, forget
	cueOverrideStrong    // previous instructions, system prompt, safety rules
	cueOverrideWeak      // the above, everything else, and instead
	cueConcealVerb       // do not tell, without informing
	cueConcealUser       // the user, the human
	cueConcealObj        // anyone, that you, why
	cueImpVerb           // sentence-initial verbs that rewrite a reply
	cueImpSoft           // sentence-initial verbs that merely ask for one
	cueOutput            // your response, your reply
	cueUseVerb           // call the, use the, invoke
	cueTool              // tool, function
	cueSendVerb          // send, forward, upload, pass
	cueSensitive         // credentials, ~/.ssh, conversation history
	cueDest              // http://, attacker, external server
	cueCodeRef           // following code snippet, code block
	cueCodeYour          // your implementation, your solution
	cueYouAreNow         // you are now
	cueMode              // mode, admin
	cueZhCall            // 调用 (call)
	cueZhTool            // 工具 (tool)
	cueCommentOpen       // <!--
	cueCommentClose      // -->
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
)

// combo gives points when a phrase of cue a is followed, within gap bytes
// and in the same sentence, by a phrase of cue b.
type combo struct {
	a, b cue
	gap  int
	fam  family
	w    float32
}

var combos = []combo{
	{cueOverrideVerb, cueOverrideStrong, 40, famOverride, 1.5},
	{cueOverrideVerb, cueOverrideWeak, 24, famOverride, 0.75},
	{cueConcealVerb, cueConcealUser, 32, famConceal, 1},
	{cueConcealVerb, cueConcealObj, 24, famConceal, 0.5},
	{cueImpVerb, cueOutput, 80, famSteer, 1},
	{cueImpSoft, cueOutput, 60, famSteer, 0.5},
	{cueUseVerb, cueTool, 48, famToolCall, 0.25},
	{cueSendVerb, cueSensitive, 60, famExfil, 0.5},
	{cueSensitive, cueDest, 80, famExfil, 0.5},
	{cueSendVerb, cueDest, 60, famExfil, 0.25},
	{cueCodeRef, cueCodeYour, 60, famCode, 0.5},
	{cueYouAreNow, cueMode, 30, famAdhere, 0.75},
	{cueZhCall, cueZhTool, 40, famToolCall, 0.5},
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
	{fam: famRole, w: 1, pats: []string{
		"<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>",
		"<|assistant|>", "<|endoftext|>", "<|eot_id|>", "<|start_header_id|>",
		"<|end_header_id|>", "<|begin_of_text|>", "<|end|>", "<|channel|>",
		"<|message|>", "[inst]", "[/inst]", "<<sys>>", "<</sys>>",
		"<start_of_turn>", "<end_of_turn>",
	}},
	{fam: famRole, w: 0.75, pats: []string{
		"[system]", "[/system]", "[[system]]", "<system>", "</system>",
		"<system ", "<system_", "</system_", "[system message]",
		"[system note]", "[system override]", "[admin]", "[admin ",
		"admin request", "<admin>", "[developer]", "<developer>",
		"<instruction>", "</instruction>", "<instructions>", "</instructions>",
		"<important>", "</important>", "<secret>", "</secret>", "<hidden>",
		"</hidden>", "[assistant]", "<assistant>", "<!-- system",
		"### instruction:", "### instructions:", "### system:",
		"### new instruction", "### response:", "## system prompt",
	}},
	{fam: famRole, w: 0.5, pats: []string{
		"<information>", "</information>", "<context>", "[important]",
		"<admin_", "<prompt>", "</prompt>", "<sys>",
	}},
	{fam: famRole, w: 0.5, flag: flagSentence, pats: []string{
		"system:", "assistant:", "system message:", "system note:",
		"system override", "admin:", "ai:", "important message from",
		"new instructions:", "system update:",
	}},
	{fam: famRole, w: 0.25, flag: flagSentence, pats: []string{
		"user:", "human:", "instructions for the ai", "instruction for the ai",
	}},

	// --- separators and fake completions --------------------------------
	{fam: famSeparator, w: 0.75, pats: []string{
		"<end of session>", "end of tool output", "end of tool result",
		"</tool_output>", "</tool_result>", "</function_results>",
		"</function_result>", "</search_results>", "answer: task complete",
		"[end of document]", "[end of input]", "<end of document>",
	}},
	{fam: famSeparator, w: 0.5, pats: []string{
		"end of session", "[rest-of-document]", "rest-of-document",
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
		"do not alert", "don't alert", "do not let", "don't let",
		"do not explain", "don't explain", "never explain",
		"do not show", "don't show", "never show", "do not ask", "don't ask",
		"without telling", "without informing", "without notifying",
		"without alerting", "without asking", "without mentioning",
		"without letting", "without showing", "hide this from", "hide it from",
		"keep this from", "keep it from", "conceal", "hide",
	}},
	{fam: famConceal, cue: cueConcealUser, pats: []string{
		"the user", "user", "users", "the human", "the operator",
		"the recipient", "the owner", "your user", "the person",
	}},
	{fam: famConceal, cue: cueConcealObj, pats: []string{
		"anyone", "that you", "why", "about this", "about it",
		"this instruction", "these instructions", "this message", "this step",
		"these requirements", "this behavior", "this behaviour", "this call",
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
	{fam: famConceal, w: 0.5, pats: []string{
		"just say you", "act like you", "pretend you did",
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
		"instead of the requested tool", "call this tool before",
		"must be called before", "must be called first",
		"before any other tool", "before using any other tool",
		"before calling any other tool", "when this tool is available",
		"side effect on the", "prioritize calling", "priority over other tools",
		"has a very important side effect",
	}},
	{fam: famToolCall, w: 0.75, pats: []string{
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
		"execute this tool", "before using this tool",
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
		"secret key", "secrets", ".env", "mcp.json", "/etc/passwd",
		"/etc/shadow", "conversation history", "chat history",
		"message history", "previous messages", "last messages",
		"previous message", "full conversation", "complete conversation",
		"entire conversation", "whole conversation", "conversation context",
		"all messages", "private information", "personal information",
		"personal data", "sensitive data", "sensitive information",
		"bank details", "bank account", "credit card", "card number",
		"social security", "seed phrase", "recovery phrase",
		"verification code", "one-time code", "2fa code", "system prompt",
		"connection string", "environment variables", "wallet",
	}},
	{fam: famExfil, cue: cueDest, pats: []string{
		"http://", "https://", "ftp://", "webhook", "attacker", "evil.com",
		"to the following address", "to this address", "to this email",
		"to this url", "to the url", "to the endpoint", "to the server",
		"to an external", "to the external", "external server",
		"remote server", "ngrok", "pastebin", "requestbin", "webhook.site",
		"burpcollaborator", "interact.sh", "@gmail.com", "@proton",
	}},
	{fam: famExfil, w: 1, pats: []string{
		"exfiltrate", "send all emails to", "forward all emails to",
		"send a copy of all", "copy of all messages", "pass its content",
		"pass its contents", "should contain the user's",
		"must contain the user's", "must contain the complete",
		"must contain the full",
	}},
	{fam: famExfil, w: 0.5, pats: []string{
		"send a copy", "forward all", "forward every", "forward the entire",
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
		"model reading this", "assistant reading this", "dear ai",
		"dear assistant", "dear llm", "dear language model", "attention ai",
		"attention llm", "attention agent", "attention assistant",
		"note to ai", "note to the ai", "note to any ai", "to any ai",
		"note to the assistant", "note to assistant", "note to the model",
		"note to automated", "message for the ai", "message to the ai",
		"message for the assistant", "instructions for the assistant",
		"instructions for ai", "visible to llm", "visible to ai",
		"visible to the ai", "visible to the model", "visible to language",
	}},
	{fam: famAddress, w: 0.5, pats: []string{
		"if you are reading this", "to the ai", "note to llm", "hey ai",
		"hello ai", "hi ai", "automated analysis", "automated screening",
		"llm scan", "you are an ai", "the ai must", "the ai should",
		"the assistant must", "the assistant should", "the model must",
		"the model should", "llm must", "ai must", "ai assistant must",
	}},
	{fam: famAddress, w: 0.25, pats: []string{
		"ai assistant", "ai model", "as an ai", "automated review",
		"automated evaluation", "for llms", "dear agent",
	}},

	// --- steering the reply ---------------------------------------------
	{fam: famSteer, cue: cueImpVerb, flag: flagSentence, pats: []string{
		"add", "include", "integrate", "modify", "enhance", "augment",
		"translate", "render", "encode", "encrypt", "replace", "substitute",
		"convert", "express", "rearrange", "scramble", "jumble", "misspell",
		"introduce", "apply", "shift", "reverse", "remove", "combine",
		"group", "insert", "append", "begin", "start", "end", "format",
		"in your", "output", "print", "say", "mention", "promote",
		"recommend", "suggest", "tell", "state", "claim", "always",
		"never", "only", "instead", "make", "write", "rewrite", "change",
		"alter", "finish", "conclude", "prefix", "sign", "respond", "reply",
	}},
	{fam: famSteer, cue: cueImpSoft, flag: flagSentence, pats: []string{
		"provide", "use", "give", "answer", "can you", "could you",
		"please", "be sure", "make sure", "ensure", "remember",
	}},
	{fam: famSteer, cue: cueOutput, pats: []string{
		"your response", "your responses", "your reply", "your replies",
		"your answer", "your answers", "your output", "your summary",
		"your final answer", "your next response", "your message",
		"every response", "each response", "all responses", "every reply",
		"the response", "the reply", "the summary",
	}},
	{fam: famSteer, w: 1, pats: []string{
		"from now on you will", "from now on, you will", "from now on you",
		"from now on, you", "respond with the following",
		"reply with the following", "answer with the following",
		"output the following", "repeat after me", "you may not deviate",
		"you must not deviate", "you will only respond",
		"you will only reply", "you will speak",
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
		"in your response", "in your reply", "in your answer",
		"in your output", "in your summary", "to your response",
		"to your reply", "to your answer", "respond with", "and nothing else",
		"just respond", "if questioned", "if the user asks", "if user asks",
		"if anyone asks", "focus exclusively on", "always suggest",
		"always recommend", "the summary should", "when summarizing",
		"when summarising", "your reply should", "your response should",
		"your answer should", "you will respond", "you will reply",
		"you will answer", "you will say", "you will output",
	}},
	{fam: famSteer, w: 0.25, pats: []string{
		"reply with", "answer with", "if asked", "when asked",
		"report that", "focus only on", "regardless of", "always include",
		"always attempt", "print '", "print \"", "say '", "say \"",
		"output '", "output \"",
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
		"not malicious", "everything is safe", "pre-verified",
		"do not evaluate", "don't evaluate", "do not analyze",
		"do not analyse", "is not spam", "classify this as",
		"classify it as", "highest score",
	}},
	{fam: famVerdict, w: 0.25, pats: []string{
		"manual scoring", "this is a test", "pre-approved",
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
		"mode", "admin", "administrator", "root",
	}},

	// --- dangerous commands ---------------------------------------------
	{fam: famDanger, w: 0.75, pats: []string{
		"bash -i >&", ":(){ :|:& };:", "powershell -enc",
		"-encodedcommand", "base64 -d | sh", "base64 -d | bash",
		"base64 --decode | sh", "base64 --decode | bash",
	}},
	{fam: famDanger, w: 0.5, pats: []string{
		"nc -e", "ncat -e", "/bin/sh -i", "/bin/bash -i", "/dev/tcp/",
		"os.dup2(", "pty.spawn(", "reverse shell", "keylogger",
		"cryptominer", "cryptomine", "xmrig", "stratum+tcp",
		"dd if=/dev/random of=/dev/", "dd if=/dev/zero of=/dev/sd",
		"shutil.rmtree(\"/\")", "shutil.rmtree('/')", "certutil -urlcache",
		"download and run", "download and execute", "/etc/shadow",
		".cursor/mcp.json", "win+r", "win + r", "windows key + r",
		"paste it into the terminal", "paste it into your terminal",
	}},
	{fam: famDanger, w: 0.5, flag: flagStrict, pats: []string{
		"rm -rf /", "rm -rf ~", "rm -rf /*", "rm -rf ~/",
	}},
	{fam: famDanger, w: 0.25, pats: []string{
		"authorized_keys", "/etc/passwd", "id_rsa", "~/.ssh", "mcp.json",
		"keylogging", "pynput", "invoke-expression", "iex(",
		"frombase64string", "mshta", "mining pool",
	}},

	// --- code insertion -------------------------------------------------
	{fam: famCode, cue: cueCodeRef, pats: []string{
		"following code", "below code", "subsequent code", "code snippet",
		"code block", "code excerpt", "code section", "code segment",
		"this code", "this snippet",
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

// phraseTable is built once: the flat pattern list and the automaton.
type phraseTable struct {
	pats []phrase
	ac   *automaton
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' ||
		'A' <= c && c <= 'Z'
}

func buildPhraseTable() *phraseTable {
	t := &phraseTable{}
	var texts []string
	for _, set := range phraseSets {
		for _, p := range set.pats {
			ph := phrase{
				text: p, fam: set.fam, cue: set.cue, flag: set.flag, w: set.w,
				left:  isWordByte(p[0]),
				right: isWordByte(p[len(p)-1]) && set.flag&flagPrefix == 0,
			}
			t.pats = append(t.pats, ph)
			texts = append(texts, p)
		}
	}
	// A space in a pattern also matches a line break in the text.
	t.ac = buildAutomaton(texts, false, " \n")
	return t
}
