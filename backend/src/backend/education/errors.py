"""The education feature's errors.

NotFound (404)      SchoolNotFound           education.school_not_found
                    ClassNotFound            education.class_not_found
                    NoticeNotFound           education.notice_not_found (not a notice of the caller's
                                             children's classes, or none)
                    EnrolmentNotFound        education.enrolment_not_found
Conflict (409)      ClassNameTaken           education.class_name_taken
                    NotAdmitted              education.not_admitted (placing a child not admitted here)
                    AlreadyPlaced            education.already_placed
Forbidden (403)     NotYourSchool            education.not_your_school (a class of another school)
                    NoSchoolBound            education.no_school_bound (a school account no operator
                                             bound to a school yet)
                    NotYourChild             education.not_your_child (not on the caller's household
                                             register)
Invalid (422)       AddressUnparsed          education.address_unparsed
                    NoHouseholdRegister      education.no_household_register
                    AgeOutOfRange            education.age_out_of_range
                    NotASchoolAccount        education.not_a_school_account
Unavailable (503)   RegisterUnavailable      education.register_unavailable
"""

from __future__ import annotations

from backend.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable


class SchoolNotFound(NotFound):
    code = "education.school_not_found"
    detail = "No such school"


class ClassNotFound(NotFound):
    code = "education.class_not_found"
    detail = "No such class"


class NoticeNotFound(NotFound):
    code = "education.notice_not_found"
    detail = "No such notice for your children's classes"


class EnrolmentNotFound(NotFound):
    code = "education.enrolment_not_found"
    detail = "No such enrolment"


class ClassNameTaken(Conflict):
    code = "education.class_name_taken"
    detail = "The school has a class of this name for this year"


class NotAdmitted(Conflict):
    code = "education.not_admitted"
    detail = "The child is not admitted to this school"


class AlreadyPlaced(Conflict):
    code = "education.already_placed"
    detail = "The child is placed in a class already"


class NotYourSchool(Forbidden):
    code = "education.not_your_school"
    detail = "This class is not one of your school's"


class NoSchoolBound(Forbidden):
    code = "education.no_school_bound"
    detail = "Your account is not bound to a school yet; ask an operator"


class NotYourChild(Forbidden):
    code = "education.not_your_child"
    detail = "The child is not on your household register"


class AddressUnparsed(Invalid):
    code = "education.address_unparsed"
    detail = "The address names no Suqian district, road and house number, or community, we know"


class NoHouseholdRegister(Invalid):
    code = "education.no_household_register"
    detail = "The population registry holds no household register for you"


class AgeOutOfRange(Invalid):
    code = "education.age_out_of_range"
    detail = "The child is not of age for this stage this year"


class NotASchoolAccount(Invalid):
    code = "education.not_a_school_account"
    detail = "Only an active staff account of the school role can be bound to a school"


class RegisterUnavailable(Unavailable):
    code = "education.register_unavailable"
    detail = "The household register can't be reached; try again shortly"
    retry_after = 5
