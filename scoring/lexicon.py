"""Generic phrase lists for tone, red flags and stances, in English and French.

These complement each inject's own rubric. Phrases are matched with the policy of ``scoring.text``
(inflection- and typo-tolerant), so one form per idea is enough.
"""

from __future__ import annotations

EMPATHY = {
    "en": ["sorry", "apologise", "apology", "we understand", "understandably", "we hear you", "our thoughts",
           "we regret", "concern", "worried", "deeply", "we care", "with you", "distress", "upsetting"],
    "fr": ["désolé", "excuses", "nous comprenons", "compréhensible", "nous regrettons", "nos pensées",
           "inquiétude", "sincèrement", "à vos côtés", "nous sommes touchés", "émotion", "bouleversé"],
}  # fmt: skip

POLITENESS = {
    "en": ["thank you", "thanks", "please", "we appreciate", "kind regards", "dear", "happy to help", "welcome"],
    "fr": ["merci", "s'il vous plaît", "nous vous remercions", "cordialement", "bien à vous", "madame",
           "monsieur", "n'hésitez pas"],
}  # fmt: skip

RUDENESS = {
    "en": ["ridiculous", "stupid", "nonsense", "shut up", "get a life", "idiot", "pathetic", "grow up",
           "whatever", "not our problem", "deal with it", "calm down", "fake news", "haters"],
    "fr": ["ridicule", "stupide", "n'importe quoi", "taisez-vous", "idiot", "pathétique", "pas notre problème",
           "calmez-vous", "débrouillez-vous", "fake news", "rageux"],
}  # fmt: skip

SARCASM = {
    "en": ["yeah right", "lol", "lmao", "oh sure", "good luck with that", "as if", "nice try", "obviously you"],
    "fr": ["mdr", "lol", "c'est ça oui", "bien sûr que oui", "bel essai", "évidemment vous", "bonne chance avec ça"],
}  # fmt: skip

NO_COMMENT = {
    "en": ["no comment", "we will not comment", "we won't comment", "decline to comment", "nothing to say"],
    "fr": ["aucun commentaire", "pas de commentaire", "nous ne commenterons pas", "rien à dire",
           "nous ne souhaitons pas commenter"],
}  # fmt: skip

BLAME = {
    "en": ["customer error", "user error", "misuse", "your fault", "their fault", "did not follow the instructions",
           "should have read", "not our fault", "blame the", "the customer is responsible"],
    "fr": ["erreur du client", "mauvaise utilisation", "votre faute", "leur faute", "pas notre faute",
           "n'a pas respecté les consignes", "aurait dû lire", "la faute du client"],
}  # fmt: skip

DENIAL = {
    "en": ["we deny", "categorically deny", "not responsible", "no evidence", "never happened", "is false",
           "untrue", "did not happen", "baseless", "no wrongdoing", "not true"],
    "fr": ["nous démentons", "démentons", "pas responsable", "aucune preuve", "jamais produit", "est faux",
           "infondé", "sans fondement", "aucune faute", "pas vrai"],
}  # fmt: skip

ACCEPTANCE = {
    "en": ["we apologise", "we are sorry", "our mistake", "our fault", "we take full responsibility",
           "we are responsible", "we got this wrong", "we failed", "we acknowledge"],
    "fr": ["nous nous excusons", "nous présentons nos excuses", "notre erreur", "notre faute",
           "nous assumons", "nous sommes responsables", "nous avons failli", "nous reconnaissons"],
}  # fmt: skip

STATUS_GROUPS: dict[str, list[dict[str, list[str]]]] = {
    "en": [
        {
            "on leave": ["on leave", "leave of absence", "stepped back temporarily"],
            "suspended": ["suspended"],
            "dismissed": ["dismissed", "fired", "terminated his contract", "terminated her contract"],
            "resigned": ["resigned", "stepped down", "resignation"],
            "in post": [
                "remains in post",
                "remains in office",
                "back at work",
                "still in charge",
                "lifted the suspension",
                "suspension has been lifted",
                "suspension lifted",
                "reinstated",
            ],
        },
        {
            "recall": ["recall", "recalling"],
            "no recall": ["no recall", "no need to recall", "will not recall"],
        },
    ],
    "fr": [
        {
            "en congé": ["en congé", "en retrait temporaire"],
            "suspendu": ["suspendu", "mis à pied", "mise à pied"],
            "licencié": ["licencié", "renvoyé", "congédié"],
            "démission": ["démissionné", "démission", "quitte ses fonctions"],
            "en poste": [
                "reste en poste",
                "réintégré",
                "de retour",
                "toujours en fonction",
                "levée de la mise à pied",
                "levé la mise à pied",
                "mise à pied a été levée",
                "mise à pied levée",
                "suspension levée",
            ],
        },
        {
            "rappel": ["rappel", "rappelons"],
            "pas de rappel": ["aucun rappel", "pas de rappel", "pas nécessaire de rappeler"],
        },
    ],
}
"""Mutually exclusive statements (each with its synonyms): a reply that says one and another reply
that says a different one of the same group, on the same subject, contradict each other."""

NEGATIONS = {"en": {"not", "never", "no"}, "fr": {"pas", "jamais", "ni", "aucun", "aucune"}}


LISTS = (EMPATHY, POLITENESS, RUDENESS, SARCASM, NO_COMMENT, BLAME, DENIAL, ACCEPTANCE)
"""Every phrase list above but the status groups (for the phrase index)."""
