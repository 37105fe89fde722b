"""How content codes are named on pages, in every language."""

from flask_babel import lazy_gettext as _l

LIST_TYPE_LABELS = {
    "no_penalty": _l("No penalty"),
    "first_violation": _l("No penalty for a first violation"),
    "mitigated": _l("Mitigated penalty"),
    "lenient": _l("Lighter penalty"),
    "no_compulsion": _l("No administrative compulsion"),
}

LIST_TYPE_EXPLANATIONS = {
    "no_penalty": _l("A minor violation corrected in time that caused no harm is not penalised "
                     "(Administrative Penalty Law, Article 33)."),
    "first_violation": _l("A first violation with slight harm, corrected in time, may be left "
                          "unpenalised: the officer decides and gives reasons."),
    "mitigated": _l("The penalty may be set below the legal minimum (Administrative Penalty "
                    "Law, Article 32)."),
    "lenient": _l("The penalty is set at the low end of the legal range (Administrative Penalty "
                  "Law, Article 32)."),
    "no_compulsion": _l("Administrative compulsory measures, such as sealing or seizure, are "
                        "not applied."),
}

CONDITION_LABELS = {
    "first_discovery": _l("Discovered for the first time"),
    "corrected_on_the_spot": _l("Corrected on the spot"),
    "corrected_within_ordered_period": _l("Corrected within the period set in the order to "
                                          "correct"),
    "corrected_before_discovery": _l("Corrected before it was discovered"),
    "corrected_before_order": _l("Corrected before being ordered to correct"),
    "no_harm": _l("No harmful consequences"),
    "slight_harm": _l("Harmful consequences slight"),
    "no_fault_proven": _l("The party proves it was not at fault"),
    "commitment_signed": _l("A written commitment to comply is signed"),
    "harm_reduced_before_order": _l("The harm was removed or reduced on the party's own "
                                    "initiative"),
    "other": _l("Other condition"),
    "any_of": _l("One of the following"),
}

FOLLOW_UP_LABELS = {
    "education": _l("Education on the rules"),
    "commitment_letter": _l("Commitment letter"),
    "administrative_guidance": _l("Administrative guidance"),
    "warning_notice": _l("Warning notice"),
    "re_inspection": _l("Re-inspection"),
    "routine_inspection": _l("Included in routine inspections"),
    "stop_violation": _l("Order to stop the violation"),
    "compensate_consumers": _l("Compensation of consumers"),
    "recall": _l("Recall of products"),
}

SEVERITY_LABELS = {
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
}

PRECHECK_STATUS_LABELS = {
    "met": _l("Met"),
    "unmet": _l("Not met"),
    "to_confirm": _l("To confirm"),
}

#: The legal ground an entry rests on (DOMAIN.md §2), named for what it is, not its list.
GROUND_LABELS = {
    "art33_1_minor": _l("Minor violation, corrected in time, no harmful consequence "
                        "(Administrative Penalty Law, Article 33(1), first sentence)"),
    "art33_1_first_violation": _l("First violation with slight harm, corrected in time "
                                  "(Administrative Penalty Law, Article 33(1), second "
                                  "sentence)"),
    "art33_2_no_fault": _l("No fault proven by the party (Administrative Penalty Law, "
                           "Article 33(2))"),
    "art32_mitigation": _l("Lighter or mitigated penalty (Administrative Penalty Law, "
                           "Article 32)"),
    "compulsion_exemption": _l("No administrative compulsory measure (Administrative "
                               "Compulsion Law)"),
}

GROUND_EXPLANATIONS = {
    "art33_1_minor": _l("When every condition holds, the law says the department shall not "
                        "penalise. It still educates the business."),
    "art33_1_first_violation": _l("When every condition holds, the department may decide not "
                                  "to penalise: the officer chooses and gives reasons. It is "
                                  "not automatic."),
    "art33_2_no_fault": _l("The business must prove it was not at fault; an officer decides "
                           "on the evidence. The answers here cannot settle it."),
    "art32_mitigation": _l("This entry does not waive the penalty: it may be set at the low "
                           "end of the range or below the minimum."),
    "compulsion_exemption": _l("This entry concerns compulsory measures such as sealing or "
                               "seizure, not the penalty itself."),
}

#: Conditions every entry of a ground gets on top of its own (portal.guides.conditions).
BASELINE_LABELS = {
    "baseline.minor_violation": _l("The violation is minor: the list classes it so, and it "
                                   "caused no serious harm"),
    "baseline.first_violation": _l("It is the first violation of this kind"),
    "baseline.no_harmful_consequence": _l("No harmful consequences"),
    "baseline.slight_harm_at_most": _l("Harmful consequences slight at most"),
    "baseline.no_obvious_harm": _l("No obvious harm to society"),
    "baseline.corrected_in_time": _l("Corrected in time"),
    "baseline.no_fault_proven": _l("The party proves it was not at fault"),
    "baseline.not_exempted_before": _l("Never exempted before for the same kind of violation "
                                       "(Guangdong rule)"),
    "entry.in_force": _l("The entry is in force today"),
    "entry.conditions_transcribed": _l("The entry's conditions are recorded in the portal"),
    "entry.ground_recorded": _l("The entry's legal ground is recorded in the portal"),
}

PRECHECK_REASON_LABELS = {
    "not_first_time": _l("The violation was found before, so it is not a first violation."),
    "check_records": _l("The department will check its records for earlier violations."),
    "harm_too_great": _l("The harm was more than this entry allows."),
    "not_corrected_on_the_spot": _l("The entry requires correction on the spot."),
    "corrected_too_late": _l("The correction came after the period set in the order to "
                             "correct."),
    "correct_now": _l("Correct it now."),
    "correct_within_period": _l("Correct it within the period the officer sets in the order "
                                "to correct."),
    "already_discovered": _l("The entry requires correction before the violation was "
                             "discovered."),
    "prove_no_fault": _l("Gather evidence that your business was not at fault."),
    "sign_commitment": _l("Sign a written commitment to comply (承诺书) when the officer asks."),
    "reduce_harm": _l("Remove or reduce the harm on your own initiative before any order."),
    "officer_checks": _l("The answers cannot settle this condition: an officer decides on the "
                         "facts of the case."),
    "exempted_before": _l("In Guangdong, after one exemption the same kind of violation is "
                          "never exempt again."),
    "answer_exempted_before": _l("Say whether your business was exempted before for the same "
                                 "kind of violation."),
    "answer_harm": _l("Say what harm the violation caused."),
    "already_ordered": _l("The entry requires correction before the order to correct."),
    "officer_confirms_timing": _l("An officer confirms when the correction was made."),
    "not_transcribed": _l("The conditions of this entry have not been recorded in the portal "
                          "yet, so it cannot be assessed here. An officer decides."),
    "no_ground": _l("The legal ground of this entry is not recorded, so it cannot be assessed "
                    "here. An officer decides."),
    "not_in_force": _l("The entry is not in force today."),
    "met": _l("Met"),
}
